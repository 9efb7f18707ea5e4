"""Pages that stay fast however long the list: the page's ids first, then its rows.

A list joined to its owners, companies and contacts and sorted before ``LIMIT`` joins every
row it skips; asking the sorted index for the page's ids alone, then fetching those rows with
their joins, costs the same on page 1 and on page 4,000. Counts are exact up to
``EXACT_COUNT_LIMIT`` rows and the planner's estimate beyond (PostgreSQL), said so on screen.
"""

import base64
import binascii
import datetime as dt
import json
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Model, Q, QuerySet

EXACT_COUNT_LIMIT = 10_000


def page_rows[M: Model](queryset: QuerySet[M], *, offset: int, limit: int) -> list[M]:
    """Rows ``offset`` to ``offset + limit`` of ``queryset``, in its order, joins included."""
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    if not ids:
        return []
    by_pk = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def count_rows(queryset: QuerySet[Any]) -> tuple[int, bool]:
    """``(count, exact)``: on PostgreSQL exact up to ``EXACT_COUNT_LIMIT`` rows and the
    planner's estimate beyond (always two queries, so a page's count of queries does not
    depend on the data); elsewhere one exact count."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count(), True
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # ``.none()``
        return 0, True
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    estimate = int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
    capped = queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()
    if capped <= EXACT_COUNT_LIMIT:
        return capped, True
    return max(estimate, capped), False


def count_up_to(queryset: QuerySet[Any], limit: int = EXACT_COUNT_LIMIT) -> int:
    """How many rows, counting no further than ``limit + 1`` (one query): more than ``limit``
    reads as "limit+"."""
    return queryset.order_by()[: limit + 1].count()


class FastPaginator(Paginator):
    """Django's paginator over :func:`page_rows` and :func:`count_rows` (``count_exact``
    says whether ``count`` is exact or estimated)."""

    count_exact = True

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        total, self.count_exact = count_rows(self.object_list)
        return total

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        offset = (number - 1) * self.per_page
        rows: Any
        if isinstance(self.object_list, QuerySet):
            rows = page_rows(self.object_list, offset=offset, limit=self.per_page)
        else:
            rows = self.object_list[offset : offset + self.per_page]
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]


# Keyset paging for lists newest first (``-updated_at, -pk``): the cursor names the last
# row of a page; the next page starts below it through the same index, however deep.


def cursor_for(row: Any, field: str = "updated_at") -> str:
    """The opaque cursor after ``row``."""
    raw = f"{getattr(row, field).isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def rows_after[M: Model](
    queryset: QuerySet[M], cursor: str, *, field: str = "updated_at", name: str = "after"
) -> QuerySet[M]:
    """The rows of ``queryset`` (sorted by ``-field, -pk``) that come after ``cursor``;
    a cursor this list did not give is a ValidationError naming ``name``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        value, last = dt.datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({name: ["Not a cursor from this list."]}) from None
    if value.tzinfo is None:
        raise ValidationError({name: ["Not a cursor from this list."]})
    return queryset.filter(
        Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(pk__lt=last))
    )
