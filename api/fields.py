"""The value types of the API schema: each declares in OpenAPI exactly what it accepts.

A type refuses what its schema excludes, and accepts everything its schema allows, so a client
generated from the schema (or schemathesis) and the API agree. Two kinds of refusal, mapped
by ``api.errors``:

- 400 (``relay_malformed`` and pydantic's own errors): not the declared type or format, e.g. a
  number sent for a money string, ``2026-02-30``, an unknown enum value, a string too long;
- 422 (``relay_refused``, pydantic's range errors): well-formed but outside what Relay accepts
  (``inputs``): dates outside years 1900 to 2999, NUL bytes, line breaks in one-line text,
  a blank name, an id or count out of range, money below 0 or with more than 2 decimals.

Patterns use explicit character classes (no ``\\s``, ``\\d`` or ``\\w``), whose meaning is the
same in ECMA-262 (OpenAPI) and Python, and are checked here with ``re.fullmatch``.
"""

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import annotated_types
from pydantic import AfterValidator, Field, PlainValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from inputs.dates import MAX_DATE, MIN_DATE, OUT_OF_RANGE, in_window
from inputs.numbers import MAX_ID

MAX_VERSION = 2**31 - 1
MAX_TEXT = 5000

# Characters that break one line (``inputs.text.has_breaking_characters``: Unicode Cc, Zl, Zp).
_BREAKING = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
# What ``str.strip()`` removes besides those: a value of only these is blank.
_SPACES = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
LINE_CHARS = rf"[^{_BREAKING}]*"
FILLED_LINE_CHARS = rf"[^{_BREAKING}]*[^{_BREAKING}{_SPACES}][^{_BREAKING}]*"
TEXT_CHARS = r"[^\x00]*"
# Years 1900 to 2999, the accepted window (``inputs.dates``), as the start of the value.
YEAR_PREFIX = r"^(19|2[0-9])[0-9]{2}-"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?P<fraction>\.[0-9]+)?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
MONEY_OUT_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"
_MONEY = re.compile(MONEY_PATTERN.strip("^$"))
KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"


def malformed(message: str) -> PydanticCustomError:
    return PydanticCustomError("relay_malformed", message)


def refused(message: str) -> PydanticCustomError:
    return PydanticCustomError("relay_refused", message)


# Text ------------------------------------------------------------------------------------


def _valid_unicode(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise malformed("Send valid Unicode text (no lone surrogates).") from None


def _text(value: str) -> str:
    _valid_unicode(value)
    if "\x00" in value:
        raise refused("Text cannot contain NUL characters.")
    return value


def _line(value: str) -> str:
    _text(value)
    if not re.fullmatch(LINE_CHARS, value):
        raise refused("Use one line of text without line breaks or control characters.")
    return value


def _filled_line(value: str) -> str:
    _line(value)
    if not re.fullmatch(FILLED_LINE_CHARS, value):
        raise refused("This field cannot be blank.")
    return value


class Rules(annotated_types.GroupedMetadata):
    """Several pydantic constraints as one ``Annotated`` item: ``Annotated[str, Line(200)]``."""

    def __init__(self, *items: Any) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        yield from self.items


def Text(max_length: int = MAX_TEXT) -> Rules:
    """Free text (``Annotated[str, Text()]``): line breaks allowed, never NUL."""
    return Rules(
        Strict(),
        Field(max_length=max_length, json_schema_extra={"pattern": f"^{TEXT_CHARS}$"}),
        AfterValidator(_text),
    )


def Line(max_length: int) -> Rules:
    """One line of text (may be empty): no line breaks or control characters."""
    return Rules(
        Strict(),
        Field(max_length=max_length, json_schema_extra={"pattern": f"^{LINE_CHARS}$"}),
        AfterValidator(_line),
    )


def FilledLine(max_length: int) -> Rules:
    """One line of text with at least one visible character (a name, a title)."""
    return Rules(
        Strict(),
        Field(
            max_length=max_length,
            json_schema_extra={"minLength": 1, "pattern": f"^{FILLED_LINE_CHARS}$"},
        ),
        AfterValidator(_filled_line),
    )


# Numbers ---------------------------------------------------------------------------------


def Int(minimum: int, maximum: int) -> Rules:
    """An integer in a JSON body (not a string, a float or a boolean), in a range (422)."""
    return Rules(Strict(), Field(ge=minimum, le=maximum))


Id = Annotated[int, Int(1, MAX_ID)]
Version = Annotated[
    int,
    Strict(),
    Field(ge=1, le=MAX_VERSION, description="The version you read; 409 if it changed since."),
]


def _query_int(minimum: int, maximum: int) -> Any:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise malformed("Enter a whole number.")
        if isinstance(value, str):
            if not re.fullmatch(r"-?[0-9]{1,30}", value):
                raise malformed("Enter a whole number.")
            value = int(value)
        if not minimum <= value <= maximum:
            raise refused(f"Must be between {minimum} and {maximum}.")
        return value

    return parse


def QueryInt(minimum: int, maximum: int) -> Rules:
    """An integer read from the query string (ASCII digits), in a range (422)."""
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    return Rules(PlainValidator(_query_int(minimum, maximum)), WithJsonSchema(schema))


QueryId = Annotated[int, QueryInt(1, MAX_ID)]


def _query_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise malformed("Use true or false.")


QueryBool = Annotated[bool, PlainValidator(_query_bool), WithJsonSchema({"type": "boolean"})]
Bool = Annotated[bool, Strict()]


# Dates -----------------------------------------------------------------------------------


def _window(value: dt.date) -> None:
    if not in_window(value):
        raise refused(OUT_OF_RANGE)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        _window(value)
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise malformed("Use a date as YYYY-MM-DD.")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise malformed("Use a date as YYYY-MM-DD.") from None
    _window(day)
    return day


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise malformed("A datetime needs a UTC offset, e.g. 2026-12-01T09:30:00+01:00.")
        _window(value)
        return value
    message = "Use an ISO 8601 datetime with its offset, e.g. 2026-12-01T09:30:00+01:00."
    if not isinstance(value, str):
        raise malformed(message)
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise malformed(message)
    # RFC 3339 allows a leap second (:60); Python's datetime has none: the last instant of :59.
    second = match["second"]
    fraction = match["fraction"][:7].ljust(7, "0") if match["fraction"] else ""
    if second == "60":
        second, fraction = "59", ".999999"
    offset = "+00:00" if match["offset"] in "Zz" else match["offset"]
    try:
        moment = dt.datetime.fromisoformat(
            f"{match['date']}T{match['time']}:{second}{fraction}{offset}"
        )
    except ValueError:
        raise malformed(message) from None
    _window(moment)
    return moment


def _date_schema(description: str | None = None) -> dict[str, Any]:
    schema = {"type": "string", "format": "date", "pattern": YEAR_PREFIX}
    if description:
        schema["description"] = description
    return schema


_DATE_DESCRIPTION = f"YYYY-MM-DD, from {MIN_DATE} to {MAX_DATE}."
_DATETIME_DESCRIPTION = (
    f"ISO 8601 (RFC 3339) with its offset; its date from {MIN_DATE} to {MAX_DATE}."
)
DATE_SCHEMA = _date_schema(_DATE_DESCRIPTION)
DATETIME_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": YEAR_PREFIX,
    "description": _DATETIME_DESCRIPTION,
}

Date = Annotated[dt.date, PlainValidator(parse_date), WithJsonSchema(DATE_SCHEMA)]
DateTime = Annotated[dt.datetime, PlainValidator(parse_datetime), WithJsonSchema(DATETIME_SCHEMA)]


def parse_due(value: Any) -> dt.date | dt.datetime:
    """A due value: a date, or a datetime with its offset (R2's optional time)."""
    if isinstance(value, str) and len(value) == 10:
        return parse_date(value)
    return parse_datetime(value)


Due = Annotated[
    dt.date | dt.datetime,
    PlainValidator(parse_due),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date", "pattern": YEAR_PREFIX},
                {"type": "string", "format": "date-time", "pattern": YEAR_PREFIX},
            ],
            "description": "A date (YYYY-MM-DD) or an ISO 8601 datetime with its offset, "
            f"from {MIN_DATE} to {MAX_DATE}.",
        }
    ),
]


# Money -----------------------------------------------------------------------------------


def parse_money(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise malformed('Send money as a decimal string, e.g. "1500.00".')
    if _MONEY.fullmatch(value):
        return Decimal(value)
    try:
        Decimal(value)
    except InvalidOperation:
        raise malformed('Send money as a decimal string, e.g. "1500.00".') from None
    raise refused("Use an amount from 0 with at most 12 digits before the point and 2 after.")


Money = Annotated[
    Decimal,
    PlainValidator(parse_money),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": "A decimal string, e.g. 1500.00 (not a JSON number).",
            "examples": ["1500.00"],
        }
    ),
]
MoneyOut = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "pattern": MONEY_OUT_PATTERN, "description": "A decimal string."}
    ),
]


# Headers ---------------------------------------------------------------------------------


def _key(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200 or not re.fullmatch(KEY_PATTERN, value):
        raise refused("Use a key of 1 to 200 printable ASCII characters.")
    return value


IdempotencyKey = Annotated[
    str,
    PlainValidator(_key),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": KEY_PATTERN,
            "description": "Makes a create safe to retry: the same key with the same body "
            "answers the first outcome again (header Idempotent-Replayed: true) for 24 hours; "
            "with another body, 422.",
        }
    ),
]


# Paths -----------------------------------------------------------------------------------

# An id in the path; out of range answers 404 like any id that names nothing.
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]
