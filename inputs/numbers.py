"""The one parser for ids and numbers read from query strings and forms."""

from django.core.exceptions import BadRequest, ValidationError
from django.http import QueryDict

# PostgreSQL's bigint: the largest id (and offset) any query can take.
MAX_ID = 2**63 - 1


def parse_int(value: object, *, field: str, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` as an int in ``[minimum, maximum]``; None when empty.

    Only ASCII digits with an optional leading minus count ("²" and "1e3" do not), so
    nothing the database cannot take gets through. Raises a ValidationError naming
    ``field`` otherwise.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationError({field: ["Enter a whole number."]}, code="invalid")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if text == "":
            return None
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
            raise ValidationError({field: ["Enter a whole number."]}, code="invalid")
        number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationError(
            {field: [f"Enter a number from {minimum} to {maximum}."]}, code="out_of_range"
        )
    return number


def query_int(
    params: QueryDict,
    name: str,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_ID,
) -> int | None:
    """An int from ``request.GET`` or ``request.POST``; BadRequest (400) if malformed."""
    try:
        number = parse_int(params.get(name), field=name, minimum=minimum, maximum=maximum)
    except ValidationError as error:
        raise BadRequest(f"{name}: {' '.join(error.message_dict[name])}") from error
    return default if number is None else number


def query_ids(params: QueryDict, name: str) -> list[int]:
    """Every id under ``name`` (``getlist``); BadRequest (400) if one is malformed."""
    ids = []
    for raw in params.getlist(name):
        try:
            number = parse_int(raw, field=name, minimum=1)
        except ValidationError as error:
            raise BadRequest(f"{name}: {' '.join(error.message_dict[name])}") from error
        if number is not None:
            ids.append(number)
    return ids


def query_page(params: QueryDict, name: str = "page") -> int:
    """A page number as Django's ``Paginator.get_page`` reads one: 1 when it is missing or
    malformed; callers clamp it to their last page."""
    try:
        return parse_int(params.get(name), field=name, minimum=1) or 1
    except ValidationError:
        return 1
