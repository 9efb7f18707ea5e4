"""Text that every store and every email header can take."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible

# Django's own validator (forms.CharField already applies it); models and the API use it too.
validate_no_nul = ProhibitNullCharactersValidator()

# Unicode categories that break a one-line value: control characters (CR, LF, tab, NUL...)
# and the line and paragraph separators that email and str.splitlines() treat as breaks.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def has_breaking_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _BREAKING for char in value)


@deconstructible(path="inputs.text.validate_single_line")
class SingleLineValidator:
    """One line of text: no NUL, no line breaks, no control characters."""

    code = "single_line"
    message = "Use one line of text without line breaks or control characters."

    def __call__(self, value: str | None) -> None:
        if value and has_breaking_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleLineValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_single_line = SingleLineValidator()


def one_line(value: str | None) -> str:
    """``value`` on one line: control characters and line breaks become spaces, runs of
    whitespace one space, trimmed (an email subject from a stored title, a search term)."""
    if not value:
        return ""
    cleaned = "".join(" " if unicodedata.category(char) in _BREAKING else char for char in value)
    return " ".join(cleaned.split())


def clean_query_text(value: str | None, max_length: int = 200) -> str:
    """A search term from a query string: at most ``max_length`` characters, on one line."""
    return one_line((value or "")[:max_length])
