class EditConflict(Exception):
    """Someone else changed the object first; the caller should reload and retry."""

    def __init__(
        self, detail: str = "Someone else changed this first; reload and try again."
    ) -> None:
        super().__init__(detail)
        self.detail = detail
