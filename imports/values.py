"""Parsing the cells of another CRM's export: numbers, money, dates, names, flags.

Every parser returns None for an empty cell and raises a ValidationError naming the value
when it cannot read it; it never guesses. The import engine adds the column to the message.

Numbers (``parse_decimal``). The decimal separator is ``.`` or ``,``; thousands are grouped
by the other one, a space (also NBSP, narrow NBSP, thin space) or an apostrophe (Swiss
``12'500.00``, also U+2019), in groups of three digits after one to three leading digits.
With ``decimal="auto"`` the separator is read from the value itself:

- both ``.`` and ``,`` occur: the last one is the decimal separator (``1.234,56``, ``3,200.00``);
- one of them occurs more than once: it groups thousands (``1.234.567``, ``1,234,567``);
- one of them occurs once: it is the decimal separator unless exactly three digits follow it
  (``12,5`` is 12.5, ``0,5`` is 0.5, ``12.50`` is 12.5, ``1,2345`` is 1.2345). With exactly
  three digits after it, it is the decimal separator when the digits before it are ``0`` or
  none (``0,500``), more than three (``1234,567``), or grouped by a space or an apostrophe
  (``1 234,567``); otherwise the value is ambiguous (``12,500``, ``1.234``): an error.

Signs: a leading ``-``, ``+`` or U+2212 minus, or accounting parentheses ``(1,234.00)``. A
trailing ``%`` is dropped (``20%`` is 20). Values must be finite with ``|x| < 1e12``.

Dates (``parse_date``, ``parse_datetime``). A value starting with a four-digit year is read
year-month-day (``2027-05-13``, ``2027/05/13``, ISO times with ``Z`` or an offset). A value
with a month name is unambiguous (``13-May-2027``, ``May 13, 2027``, ``13 May 2027``,
English and German names). Numeric day-month values ending with the year (``4/22/2027``,
``22.04.2027``, ``13-05-2027``) follow ``order``: ``DMY`` or ``MDY``; with ``auto`` (or
``YMD``) a first part above 12 means DMY, a second part above 12 MDY, dots mean DMY (German),
equal parts need no order; anything else is ambiguous: an error. A time may follow
(``16:30``, ``16:30:00``, ``3:15 PM``). Two-digit years are refused, and years outside
1900 to 2999.
"""

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from inputs.dates import MAX_YEAR, MIN_YEAR

MAX_AMOUNT = Decimal("1e12")
MAX_LENGTH = 100
_SPACES = " \u00a0\u202f\u2009"
_APOSTROPHES = "'\u2019"
_MINUS = "-\u2212"


def _error(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


# Numbers ---------------------------------------------------------------------------------


def _grouped(integer: str, separator: str) -> bool:
    """``integer`` is digits grouped by ``separator`` in threes after 1 to 3 leading digits."""
    groups = integer.split(separator)
    return (
        all(group.isascii() and group.isdigit() for group in groups)
        and 1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
    )


def _split_sign(text: str) -> tuple[bool, str]:
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text and (text[0] in _MINUS or text[0] == "+"):
        negative, text = negative or text[0] in _MINUS, text[1:].strip()
    return negative, text


def _decimal_separator(core: str) -> str | None:
    """The decimal separator ``auto`` reads from a number without its sign, or None when the
    value has none; raises when it is ambiguous."""
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        return "." if core.rfind(".") > core.rfind(",") else ","
    if not dots and not commas:
        return None
    mark = "." if dots else ","
    other = "," if mark == "." else "."
    if core.count(mark) > 1:
        return other
    integer, fraction = core.split(mark)
    if len(fraction) != 3:
        return mark
    plain = integer
    for char in _SPACES + _APOSTROPHES:
        plain = plain.replace(char, "")
    if plain in ("", "0") or len(plain) > 3 or plain != integer:
        return mark
    raise _error(
        f"{core!r} is ambiguous: set the decimal separator ('.' or ',').", code="ambiguous"
    )


def _number(core: str, decimal: str) -> Decimal:
    """``core`` (no sign) with ``decimal`` as its decimal separator, thousands validated."""
    if core.count(decimal) > 1:
        raise ValueError
    integer, _, fraction = core.partition(decimal)
    if decimal in core and not fraction:
        raise ValueError
    if fraction and not (fraction.isascii() and fraction.isdigit()):
        raise ValueError
    if integer:
        other = "," if decimal == "." else "."
        separators = {c for c in integer if c in _SPACES + _APOSTROPHES + other}
        if len(separators) > 1:
            raise ValueError
        if separators:
            separator = separators.pop()
            if not _grouped(integer, separator):
                raise ValueError
            integer = integer.replace(separator, "")
        if not (integer.isascii() and integer.isdigit()):
            raise ValueError
    elif not fraction:
        raise ValueError
    return Decimal(f"{integer or '0'}.{fraction}" if fraction else integer)


def parse_decimal(text: str, *, decimal: str = "auto") -> Decimal | None:
    """The number in ``text`` (None when empty); ``decimal`` is ``"auto"``, ``"."`` or
    ``","`` (rules in the module docstring). Keeps the digits written (``3200.00``)."""
    value = text.strip()
    if not value:
        return None
    if decimal not in ("auto", ".", ","):
        raise ValueError(f"decimal must be 'auto', '.' or ',', not {decimal!r}")
    if len(value) > MAX_LENGTH:
        raise _error(f"{value[:20]!r}... is too long for a number.")
    negative, core = _split_sign(value.removesuffix("%").strip())
    if not core or not (core[0].isdigit() or core[0] in ".,"):
        raise _error(f"{value!r} is not a number.")
    try:
        separator = _decimal_separator(core) if decimal == "auto" else decimal
    except ValidationError:
        raise _error(
            f"{value!r} is ambiguous: set the decimal separator ('.' or ',').", code="ambiguous"
        ) from None
    try:
        number = _number(core, separator or ".")
    except (ValueError, InvalidOperation):
        hint = f" with {decimal!r} as the decimal separator" if decimal != "auto" else ""
        raise _error(f"{value!r} is not a number{hint}.") from None
    if abs(number) >= MAX_AMOUNT:
        raise _error(f"{value!r} is too large: enter less than 1,000,000,000,000.", "range")
    return -number if negative else number


def _vote(text: str) -> str | None:
    try:
        core = _split_sign(_strip_currency(text)[0].removesuffix("%").strip())[1]
    except ValidationError:
        return None
    if not core or not (core[0].isdigit() or core[0] in ".,"):
        return None
    try:
        separator = _decimal_separator(core)
    except ValidationError:
        return None
    if separator is None:
        return None
    try:
        _number(core, separator)
    except (ValueError, InvalidOperation):
        return None
    return separator


def detect_decimal(values: Iterable[str]) -> str | None:
    """The decimal separator of a column: the one most of its values show (ambiguous values
    such as ``1,234`` show none); None without evidence or on a tie."""
    votes = Counter(vote for value in values if (vote := _vote(value)))
    if not votes or votes["."] == votes[","]:
        return None
    return votes.most_common(1)[0][0]


# Money -----------------------------------------------------------------------------------

_ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)
# Symbols, longest first; "$" alone means USD (the convention every vendor here follows).
_SYMBOLS = {
    "US$": "USD",
    "CA$": "CAD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "C$": "CAD",
    "A$": "AUD",
    "S$": "SGD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₺": "TRY",
    "zł": "PLN",
    "Fr.": "CHF",
    "SFr.": "CHF",
}
_SYMBOL_PATTERN = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_PREFIX = re.compile(
    rf"^(?P<sign>[-+\u2212]?)\s*(?P<cur>{_SYMBOL_PATTERN}|[A-Za-z]{{3}}(?![A-Za-z]))\s*"
)
_SUFFIX = re.compile(rf"\s*(?P<cur>{_SYMBOL_PATTERN}|(?<![A-Za-z])[A-Za-z]{{3}})$")


def _currency_code(token: str) -> str | None:
    """The ISO code a symbol or code stands for; None for three letters that are not one."""
    if token in _SYMBOLS:
        return _SYMBOLS[token]
    code = token.upper()
    return code if code in _ISO_4217 else None


def _strip_currency(text: str) -> tuple[str, str | None]:
    """``text`` without a currency symbol or code before or after it, and that currency."""
    value = text.strip()
    currency = None
    if (match := _PREFIX.match(value)) and (currency := _currency_code(match["cur"])):
        value = match["sign"] + value[match.end() :]
    if (match := _SUFFIX.search(value)) and (suffix := _currency_code(match["cur"])):
        if currency and suffix != currency:
            raise _error(f"{text!r} names two currencies.", code="currency")
        currency = suffix
        value = value[: match.start()]
    return value.strip(), currency


def parse_money(text: str, *, decimal: str = "auto") -> tuple[Decimal | None, str | None]:
    """The amount and the ISO 4217 currency written with it (``$3,200.00`` is (3200.00,
    "USD"), ``CHF 12'500.00``, ``51.500,00 €``, ``USD 3200``); (None, None) when empty, the
    currency None when the value names none."""
    if not text.strip():
        return None, None
    value, currency = _strip_currency(text)
    if not value:
        raise _error(f"{text.strip()!r} has no amount.")
    try:
        amount = parse_decimal(value, decimal=decimal)
    except ValidationError as error:
        message = str(error.messages[0]).replace(repr(value), repr(text.strip()), 1)
        raise _error(message, code=error.code or "invalid") from None
    return amount, currency


# Dates -----------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar jänner jaenner",
            "february feb februar",
            "march mar märz maerz mär mrz",
            "april apr",
            "may mai",
            "june jun juni",
            "july jul juli",
            "august aug",
            "september sep sept",
            "october oct oktober okt",
            "november nov",
            "december dec dezember dez",
        ),
        start=1,
    )
    for name in names.split()
}
_TIME = (
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<frac>\d{1,6})\d*)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
)
_YMD = re.compile(rf"(?P<y>\d{{4}})(?P<s>[-/.])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}}){_TIME}")
_XXY = re.compile(rf"(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>\d{{2,4}}){_TIME}")
_DAY_NAME = re.compile(
    rf"(?P<d>\d{{1,2}})\.?[-\s]*(?P<name>[^\W\d_]+)\.?[-\s,]*(?P<y>\d{{4}}){_TIME}"
)
_NAME_DAY = re.compile(
    rf"(?P<name>[^\W\d_]+)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}"
)
ORDERS = ("DMY", "MDY", "YMD")


def _numeric_order(match: re.Match[str]) -> str | None:
    """DMY or MDY as the parts of a day-month-year value prove it; None when they do not."""
    first, second = int(match["a"]), int(match["b"])
    if first > 12 >= second:
        return "DMY"
    if second > 12 >= first:
        return "MDY"
    if match["s"] == ".":
        return "DMY"
    return None


def detect_date_order(values: Iterable[str]) -> str | None:
    """The order of a column's numeric dates: DMY when a first part exceeds 12 (or, without
    that evidence, when dots separate them), MDY when a second part does, YMD when every date
    starts with its year; None without evidence or with conflicting evidence."""
    strong: set[str] = set()
    dotted = ymd = other = False
    for value in values:
        text = value.strip()
        if _YMD.fullmatch(text):
            ymd = True
        elif match := _XXY.fullmatch(text):
            first, second = int(match["a"]), int(match["b"])
            if first > 12 >= second:
                strong.add("DMY")
            elif second > 12 >= first:
                strong.add("MDY")
            elif match["s"] == ".":
                dotted = True
            else:
                other = True
    if len(strong) == 1:
        return strong.pop()
    if strong:
        return None
    if dotted:
        return "DMY"
    if ymd and not other:
        return "YMD"
    return None


def _time(match: re.Match[str], text: str) -> tuple[dt.time | None, dt.tzinfo | None]:
    if match["hour"] is None:
        return None, None
    hour, minute = int(match["hour"]), int(match["minute"])
    if ampm := match["ampm"]:
        if not 1 <= hour <= 12:
            raise _error(f"{text!r} is not a valid time.")
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    zone: dt.tzinfo | None = None
    if offset := match["zone"]:
        if offset in ("Z", "UTC", "GMT"):
            zone = dt.UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if delta >= dt.timedelta(hours=24):
                raise _error(f"{text!r} has an invalid offset.")
            zone = dt.timezone(sign * delta)
    try:
        micro = int((match["frac"] or "0").ljust(6, "0"))
        return dt.time(hour, minute, int(match["second"] or 0), micro), zone
    except ValueError:
        raise _error(f"{text!r} is not a valid time.") from None


def _parse(text: str, order: str) -> tuple[dt.date, dt.time | None, dt.tzinfo | None]:
    if order not in ("auto", *ORDERS):
        raise ValueError(f"order must be 'auto', 'DMY', 'MDY' or 'YMD', not {order!r}")
    if len(text) > MAX_LENGTH:
        raise _error(f"{text[:20]!r}... is too long for a date.")
    if match := _YMD.fullmatch(text):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    elif match := _XXY.fullmatch(text):
        if len(match["y"]) != 4:
            raise _error(f"{text!r} has a two-digit year: write the year with four digits.")
        year = int(match["y"])
        resolved = order if order in ("DMY", "MDY") else _numeric_order(match)
        if resolved is None:
            if match["a"].lstrip("0") != match["b"].lstrip("0"):
                raise _error(
                    f"{text!r} is ambiguous: set the date order (day/month or month/day).",
                    code="ambiguous",
                )
            resolved = "DMY"
        first, second = int(match["a"]), int(match["b"])
        day, month = (first, second) if resolved == "DMY" else (second, first)
        if order in ("DMY", "MDY") and month > 12:
            raise _error(f"{text!r} is not a date in the order {order}.")
    elif match := _DAY_NAME.fullmatch(text) or _NAME_DAY.fullmatch(text):
        month_number = _MONTHS.get(match["name"].casefold().rstrip("."))
        if month_number is None:
            raise _error(f"{text!r} is not a date: unknown month {match['name']!r}.")
        year, month, day = int(match["y"]), month_number, int(match["d"])
    else:
        raise _error(f"{text!r} is not a date.")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _error(f"{text!r} is outside the years {MIN_YEAR} to {MAX_YEAR}.", code="range")
    try:
        day_value = dt.date(year, month, day)
    except ValueError:
        raise _error(f"{text!r} is not a valid date.") from None
    return (day_value, *_time(match, text))


def parse_date(text: str, *, order: str = "auto") -> dt.date | None:
    """The date in ``text`` (None when empty); a time after it is ignored (the date as
    written). ``order`` is ``"auto"``, ``"DMY"``, ``"MDY"`` or ``"YMD"``."""
    value = text.strip()
    return _parse(value, order)[0] if value else None


def parse_datetime(text: str, *, order: str = "auto", zone: ZoneInfo) -> dt.datetime | None:
    """The moment in ``text`` as an aware datetime in ``zone`` (None when empty). A value
    without an offset is in ``zone``; a date alone is its midnight there; ``Z`` and
    offsets are respected."""
    value = text.strip()
    if not value:
        return None
    day, time, offset = _parse(value, order)
    moment = dt.datetime.combine(day, time or dt.time(), tzinfo=offset or zone)
    return moment.astimezone(zone)


# Names, lists, flags ---------------------------------------------------------------------

_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "du",
        "dos",
        "das",
        "la",
        "le",
        "ten",
        "ter",
        "zu",
        "zum",
        "zur",
        "af",
        "av",
        "bin",
        "ibn",
    ]
)
_SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "md"])


def split_full_name(text: str) -> tuple[str, str]:
    """(first, last) from a full name: ``Meyer, Chloe`` -> ("Chloe", "Meyer"); ``Anna Maria
    Müller`` -> ("Anna Maria", "Müller"); particles stay with the last name (``Ludwig van
    Beethoven`` -> ("Ludwig", "van Beethoven")), as do suffixes (``King Jr.``)."""
    value = " ".join(text.split())
    if not value:
        return "", ""
    if value.count(",") == 1:
        last, first = (part.strip() for part in value.split(","))
        if first.casefold() not in _SUFFIXES:
            return first, last
        value = f"{last} {first}"
    words = value.split(" ")
    if len(words) == 1:
        return words[0], ""
    end = len(words) - 1
    if words[end].casefold() in _SUFFIXES and end > 1:
        end -= 1
    start = end
    while start > 1 and words[start - 1].casefold() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def split_multi(text: str) -> list[str]:
    """The values of a multi-value cell (ids joined by ``;`` or ``,``, or one per line),
    stripped, empty ones and repeats dropped: ``12345;67890`` -> ["12345", "67890"]."""
    found: list[str] = []
    for part in re.split(r"[;,\r\n]", text):
        item = part.strip()
        if item and item not in found:
            found.append(item)
    return found


_TRUE = frozenset(["true", "yes", "y", "1", "ja", "j", "wahr", "t", "x", "on"])
_FALSE = frozenset(["false", "no", "n", "0", "nein", "falsch", "f", "off"])


def parse_bool(text: str) -> bool | None:
    """True or False from ``true/false``, ``yes/no``, ``1/0``, ``ja/nein``, ``wahr/falsch``
    (any case); None when empty."""
    value = unicodedata.normalize("NFKC", text).strip().casefold()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _error(f"{text.strip()!r} is not yes or no (true/false, 1/0).")
