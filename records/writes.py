"""``locked_row`` and ``save_row``: lock, check the version, change the locked row, save it."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import F

CONFLICT = "Someone else changed this first; reload and try again."


class EditConflict(Exception):
    """Someone changed the object since the caller read it; reload and retry (409)."""

    def __init__(self, detail: str = CONFLICT) -> None:
        super().__init__(detail)
        self.detail = detail


def check_version(row: models.Model, version: int | None, detail: str | None = None) -> None:
    """Refuse when the caller read ``version`` and the row has moved on since."""
    if version is not None and int(version) != row.version:  # type: ignore[attr-defined]
        raise EditConflict(
            detail
            or f"This {row._meta.verbose_name} was changed by someone else since you opened "
            "it; reload to see their changes, then try again."
        )


def locked_row[M: models.Model](
    model: type[M],
    pk: Any,
    *,
    version: int | None = None,
    related: Iterable[str] = (),
    conflict: str | None = None,
) -> M:
    """The row ``pk`` of ``model``, locked until the transaction ends; EditConflict when the
    caller's ``version`` is stale. Call inside ``transaction.atomic``."""
    queryset = model._default_manager.select_for_update(of=("self",))
    related = tuple(related)
    if related:
        queryset = queryset.select_related(*related)
    try:
        row = queryset.get(pk=pk)
    except model.DoesNotExist as error:  # type: ignore[attr-defined]
        raise EditConflict(conflict or "This was deleted meanwhile; reload.") from error
    check_version(row, version, conflict)
    return row


def save_row[M: models.Model](row: M, fields: Iterable[str]) -> M:
    """Save only ``fields`` of the locked ``row`` and bump its version (and ``updated_at``).

    The version is written as ``version + 1`` in SQL; the row is locked, so the new value
    is known without reading it back.
    """
    names = set(fields)
    concrete = {f.name for f in row._meta.concrete_fields}
    unknown = names - concrete
    if unknown:
        raise ValueError(f"Not fields of {type(row).__name__}: {sorted(unknown)}")
    if "updated_at" in concrete:
        names.add("updated_at")
    current = row.version  # type: ignore[attr-defined]
    row.version = F("version") + 1  # type: ignore[attr-defined]
    row.save(update_fields=sorted({*names, "version"}))
    row.version = current + 1  # type: ignore[attr-defined]
    return row
