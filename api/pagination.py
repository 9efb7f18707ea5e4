"""Limit/offset lists: ``{"items": [...], "count": N}`` (limit 50 by default, 200 at most)."""

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from ninja import Field, Schema

from api.fields import QueryInt
from inputs.numbers import MAX_ID
from records.paging import page_rows

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

# The paging parameters of every list: ``limit: Limit = DEFAULT_LIMIT, offset: Offset = 0``.
Limit = Annotated[int, QueryInt(1, MAX_LIMIT)]
Offset = Annotated[int, QueryInt(0, MAX_ID)]

T = TypeVar("T")


class Page[T](Schema):
    items: list[T]
    count: int


class CursorPage[T](Page[T]):
    next_after: str | None = Field(
        None,
        description="Pass as `after` for the next page (keyset paging, as fast on the last "
        "page as on the first); null on the last page.",
    )


def check_paging(limit: int, offset: int) -> None:
    errors = {}
    if not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [f"Must be between 1 and {MAX_LIMIT}."]
    if not 0 <= offset <= MAX_ID:
        errors["offset"] = [f"Must be between 0 and {MAX_ID}."]
    if errors:
        raise ValidationError(errors)


def paginate(
    rows: QuerySet | Sequence[Any], *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> dict[str, Any]:
    check_paging(limit, offset)
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    if offset >= count:
        items: list[Any] = []
    elif isinstance(rows, QuerySet):
        items = page_rows(rows, offset=offset, limit=limit)
    else:
        items = list(rows[offset : offset + limit])
    return {"items": items, "count": count}
