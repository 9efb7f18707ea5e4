"""Relay's house formats for dates, times and money, defined once for pages, emails and CSV.

On screen and in emails, in the viewer's (or the recipient's) time zone:

- a date reads ``2 Dec 2026`` (``DATE_FORMAT``; ``{{ value|date }}`` gives it), ``2 Dec``
  where the year goes without saying (``MONTH_DAY_FORMAT``: board cards, task rows, ranges),
  ``today`` or ``tomorrow`` for a due day close by (:func:`format_near_day`, ``|near_day``);
- a date and time ``2 Dec 2026, 20:15`` (``DATETIME_FORMAT``; ``{{ value }}`` and
  ``{{ value|date:"DATETIME_FORMAT" }}``), a time ``20:15`` (``TIME_FORMAT``, 24 hours);
- a month ``Dec 2026`` (``YEAR_MONTH_FORMAT``);
- money as the amount with its currency code, grouped by thousands, with cents only when the
  amount has cents and a no-break space before the code: ``81,000 EUR``, ``81,000.50 EUR``,
  ``-1,200 EUR`` (:func:`money`; the ``|money:currency`` filter and ``{% deal_amount %}`` in
  ``crm/templatetags/money.py``). A figure Relay works out rather than one somebody typed
  (a conversion, a weighted amount, a total, a forecast) is shown in whole units, rounded
  half up: ``≈ 105,487 EUR``, ``807,444 EUR`` (:func:`money_whole`, ``|money_whole``);
  its cents would be false precision, and CSV keeps them.

Django reads these through ``FORMAT_MODULE_PATH`` (``config/formats/en/formats.py``), so
templates name a format (``|date``, ``|date:"MONTH_DAY_FORMAT"``) rather than spell one.
``UserTimeZoneMiddleware`` activates the signed-in user's zone for each request and emails
render inside :func:`users_zone` for their recipient: one way to pick the zone.

In CSV exports (``crm.http.csv_response`` writes every cell through :func:`csv_value`),
meant for machines and the same in every export:

- dates ISO ``2026-12-02``; times ``20:15``; datetimes ISO 8601 with the viewer's offset
  ``2026-12-02T20:15:00+01:00`` (the zone the export was asked in);
- amounts plain decimals with two places ``81000.00`` (:func:`csv_money`), no grouping and
  no symbol, with the currency in a column of its own (``currency``).
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import dateformat, timezone

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"

CENT = Decimal("0.01")
NO_BREAK = "\u00a0"  # between an amount and its currency: a line never parts them
MISSING = "—"


def zone_of(user: Any) -> zoneinfo.ZoneInfo:
    """The zone times are shown in for ``user``: their own once signed in, else the
    installation's (``settings.TIME_ZONE``)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.zone
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@contextmanager
def users_zone(user: Any) -> Iterator[zoneinfo.ZoneInfo]:
    """Render in ``user``'s zone (see :func:`zone_of`) inside the block, then the one before."""
    zone = zone_of(user)
    with timezone.override(zone):
        yield zone


def format_date(value: dt.date | None) -> str:
    """``2 Dec 2026``; a datetime gives its date in the current zone."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, DATE_FORMAT)


def format_month_day(value: dt.date) -> str:
    """``2 Dec``, where the year goes without saying."""
    return dateformat.format(value, MONTH_DAY_FORMAT)


def format_near_day(value: dt.date) -> str:
    """``today``, ``tomorrow`` or ``yesterday`` (in the current zone, the viewer's), else
    ``2 Dec``: for a next action's due day, near by nature."""
    offset = (value - timezone.localdate()).days
    return {0: "today", 1: "tomorrow", -1: "yesterday"}.get(offset) or format_month_day(value)


def format_datetime(value: dt.datetime | None) -> str:
    """``2 Dec 2026, 20:15`` in the current zone."""
    if value is None:
        return MISSING
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATETIME_FORMAT)


def format_time(value: dt.time | dt.datetime | None) -> str:
    """``20:15`` (a datetime's time in the current zone)."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.time_format(value, TIME_FORMAT)


def _cents(amount: Decimal | int | float | str) -> Decimal:
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)


def money_number(amount: Decimal | int | float | str) -> str:
    """``81,000`` or ``81,000.50``: cents only when the amount has cents."""
    value = _cents(amount)
    places = 0 if value == value.to_integral_value() else 2
    return f"{value:,.{places}f}"


def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    """``81,000 EUR``; ``—`` for no amount."""
    if amount is None or amount == "":
        return MISSING
    return f"{money_number(amount)}{NO_BREAK}{currency}" if currency else money_number(amount)


def money_whole(amount: Decimal | int | float | str | None, currency: str) -> str:
    """A computed figure (a total, a conversion, a weighted amount) in whole units:
    ``807,444 EUR`` for 807,443.70; ``—`` for no amount."""
    if amount is None or amount == "":
        return MISSING
    whole = Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP)  # once, not via cents
    return money(whole, currency)


def csv_money(amount: Decimal | int | float | str | None) -> str:
    """``81000.00``; empty for no amount."""
    if amount is None or amount == "":
        return ""
    return f"{_cents(amount):.2f}"


def csv_value(value: Any, zone: dt.tzinfo | None = None) -> Any:
    """A cell as CSV writes it: dates and datetimes in ISO 8601 (a datetime in ``zone``,
    default the current one, with its offset), times as ``HH:MM``; other values as given."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(zone or timezone.get_current_timezone())
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    return value
