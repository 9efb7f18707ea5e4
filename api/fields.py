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
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, Field, PlainValidator, Strict, WithJsonSchema, model_validator
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
# Any character ``str.isspace()`` counts (a text of only these is blank after strip()).
_WHITESPACE = rf"\t\n\x0b\x0c\r\x1c-\x1f\x85{_SPACES}\u2028\u2029"
FILLED_TEXT_CHARS = rf"[^\x00]*[^\x00{_WHITESPACE}][^\x00]*"
# A valid calendar date from 1900-01-01 to 2999-12-31 (``inputs.dates``), leap days included:
# with ``format: date``, a generator that follows the pattern stays in the window.
_YEAR = r"(?:19|2[0-9])[0-9]{2}"
_LEAP_YEAR = r"(?:(?:19|2[0-9])(?:0[48]|[2468][048]|[13579][26])|2000|2400|2800)"
DATE_CHARS = (
    rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    rf"|{_LEAP_YEAR}-02-29)"
)
# RFC 3339 (a leap second :60 included), its date in the window.
DATETIME_CHARS = (
    rf"{DATE_CHARS}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
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


class Input(Schema):
    """A JSON request body: an object (a list, a string or a number is refused with 400)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # django-ninja's own validator has wrapped the value for attribute access by then.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise malformed("Send a JSON object.")
        return data


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


def _filled_text(value: str) -> str:
    _text(value)
    if not re.fullmatch(FILLED_TEXT_CHARS, value):
        raise refused("This field cannot be blank.")
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


def FilledText(max_length: int | None = MAX_TEXT) -> Rules:
    """Free text with at least one visible character (a comment, an activity's body)."""
    return Rules(
        Strict(),
        Field(
            max_length=max_length,
            json_schema_extra={"minLength": 1, "pattern": f"^{FILLED_TEXT_CHARS}$"},
        ),
        AfterValidator(_filled_text),
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


def _body_int(minimum: int, maximum: int) -> Any:
    def parse(value: Any) -> int:
        # JSON Schema counts 3.0 as an integer; true, "3" and 3.5 are not.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise malformed("Enter a whole number.")
        if not minimum <= value <= maximum:
            raise refused(f"Must be between {minimum} and {maximum}.")
        return value

    return parse


def Int(minimum: int, maximum: int, description: str | None = None) -> Rules:
    """An integer in a JSON body (not a string or a boolean), in a range (else 422)."""
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if description:
        schema["description"] = description
    return Rules(PlainValidator(_body_int(minimum, maximum)), WithJsonSchema(schema))


Id = Annotated[int, Int(1, MAX_ID)]
Version = Annotated[
    int, Int(1, MAX_VERSION, description="The version you read; 409 if it changed since.")
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
    # RFC 3339 allows a leap second, 23:59:60 in UTC; Python's datetime has none: it is taken
    # as the last instant of :59.
    leap = match["second"] == "60"
    second = "59" if leap else match["second"]
    fraction = match["fraction"][:7].ljust(7, "0") if match["fraction"] else ""
    if leap:
        fraction = ".999999"
    offset = "+00:00" if match["offset"] in "Zz" else match["offset"]
    try:
        moment = dt.datetime.fromisoformat(
            f"{match['date']}T{match['time']}:{second}{fraction}{offset}"
        )
    except ValueError:
        raise malformed(message) from None
    if leap and moment.astimezone(dt.UTC).strftime("%H:%M") != "23:59":
        raise malformed("A leap second (:60) is only 23:59:60 in UTC.")
    _window(moment)
    return moment


DATE_SCHEMA = {
    "type": "string",
    "format": "date",
    "pattern": f"^{DATE_CHARS}$",
    "description": f"YYYY-MM-DD, from {MIN_DATE} to {MAX_DATE}.",
}
DATETIME_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": f"^{DATETIME_CHARS}$",
    "description": f"RFC 3339 with its offset; its date from {MIN_DATE} to {MAX_DATE}.",
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
                {"type": "string", "format": "date", "pattern": f"^{DATE_CHARS}$"},
                {"type": "string", "format": "date-time", "pattern": f"^{DATETIME_CHARS}$"},
            ],
            "description": "A date (YYYY-MM-DD) or an RFC 3339 datetime with its offset, "
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


# Currencies and rates --------------------------------------------------------------------

CURRENCY_PATTERN = r"^[A-Za-z]{3}$"
RATE_OUT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"


def parse_currency(value: Any) -> str:
    """A currency code, upper-cased. Whether ISO 4217 knows it, and whether it has a rate,
    the services decide (422 naming ``currency``)."""
    if not isinstance(value, str):
        raise malformed('Send a currency as a three-letter ISO 4217 code, e.g. "EUR".')
    _valid_unicode(value)
    if not re.fullmatch(CURRENCY_PATTERN.strip("^$"), value):
        raise refused("Use a three-letter ISO 4217 currency code, such as EUR.")
    return value.upper()


Currency = Annotated[
    str,
    PlainValidator(parse_currency),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CURRENCY_PATTERN,
            "description": "An ISO 4217 currency code, e.g. EUR (upper-cased). A code ISO "
            "does not know, or one without an exchange rate, is refused with 422.",
            "examples": ["EUR"],
        }
    ),
]
RateOut = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": RATE_OUT_PATTERN,
            "description": "A decimal string: units of the installation currency per unit.",
        }
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
