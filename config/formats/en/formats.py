"""Django's named formats for English, taken from ``accounts.formats`` (the house formats,
documented there): ``{{ value|date }}`` reads ``2 Dec 2026``, a datetime ``2 Dec 2026, 20:15``."""

from accounts.formats import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONTH_DAY_FORMAT,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)

SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "MONTH_DAY_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
]
