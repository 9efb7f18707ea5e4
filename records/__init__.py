"""How every service edits a row, one way for the whole app (STYLE.md, "One way to write").

``locked_row`` takes the row with ``SELECT ... FOR UPDATE`` and compares the caller's
``version`` (one :class:`EditConflict`, 409 in the API and the conflict message in the
browser); the service changes that locked row only, never the caller's older copy; and
``save_row`` writes just the changed fields with ``version = version + 1``. Derived writes
(a reschedule, a recomputed due moment) bump the version too, so an edit made from an
older read can never write old values back.

This package sits below every app (import-linter's bottom layer) and imports none of them.
"""

from records.writes import EditConflict, check_version, locked_row, save_row, save_rows

__all__ = ["EditConflict", "check_version", "locked_row", "save_row", "save_rows"]
