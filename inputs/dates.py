"""The accepted dates: years 1900 to 2999, on every path (PRODUCT.md, API.md)."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

MIN_YEAR = 1900
MAX_YEAR = 2999
MIN_DATE = dt.date(MIN_YEAR, 1, 1)
MAX_DATE = dt.date(MAX_YEAR, 12, 31)
OUT_OF_RANGE = f"Enter a date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}."


def in_window(value: dt.date | dt.datetime) -> bool:
    """True when the value's calendar date (in its own time zone) lies in the window."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return MIN_DATE <= day <= MAX_DATE


@deconstructible(path="inputs.dates.validate_date")
class DateWindowValidator:
    """Model and form validator: a date or datetime from year 1900 to 2999."""

    code = "date_out_of_range"

    def __call__(self, value: dt.date | dt.datetime | None) -> None:
        if value is not None and not in_window(value):
            raise ValidationError(OUT_OF_RANGE, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateWindowValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_date = DateWindowValidator()


def check_date(value: dt.date | dt.datetime | None, field: str) -> None:
    """Raise a ValidationError naming ``field`` when ``value`` is outside the window."""
    if value is not None and not in_window(value):
        raise ValidationError({field: [ValidationError(OUT_OF_RANGE, code="date_out_of_range")]})


def clamp_stored(
    model: type, date_fields: Sequence[str], datetime_fields: Sequence[str] = ()
) -> int:
    """Move stored values outside the window onto its edge (a data migration's repair of rows
    saved before the policy: a year-0 timestamp that psycopg cannot read back breaks every
    page that lists it). The database compares; no bad value is ever read into Python."""
    low_moment = dt.datetime.combine(MIN_DATE, dt.time(), tzinfo=dt.UTC)
    high_moment = dt.datetime.combine(MAX_DATE, dt.time(23, 59, 59), tzinfo=dt.UTC)
    manager = model._base_manager  # type: ignore[attr-defined]
    changed = 0
    for fields, low, high in (
        (date_fields, MIN_DATE, MAX_DATE),
        (datetime_fields, low_moment, high_moment),
    ):
        for field in fields:
            changed += manager.filter(**{f"{field}__lt": low}).update(**{field: low})
            changed += manager.filter(**{f"{field}__gt": high}).update(**{field: high})
    return changed
