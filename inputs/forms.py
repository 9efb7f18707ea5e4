"""Form fields that hold the input policy: bounded dates, versions, date inputs."""

import datetime as dt
import uuid
from typing import Any

from django import forms

from inputs.dates import MAX_DATE, MIN_DATE, validate_date
from inputs.text import validate_single_line

MAX_VERSION = 2**31 - 1


class DateInput(forms.DateInput):
    """The browser's date picker, limited to the accepted years."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        attrs = {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat(), **(attrs or {})}
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date from year 1900 to 2999 (``inputs.dates``)."""

    widget = DateInput
    default_validators = [validate_date]

    def to_python(self, value: Any) -> dt.date | None:
        try:
            return super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class LineField(forms.CharField):
    """One line of text (titles, names): no line breaks or control characters."""

    default_validators = [validate_single_line]


class VersionField(forms.IntegerField):
    """The hidden ``version`` the edit was read at (409 when it changed since)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        super().__init__(min_value=0, max_value=MAX_VERSION, **kwargs)  # type: ignore[arg-type]


def new_submission_key() -> str:
    return uuid.uuid4().hex


class SubmittedOnceForm(forms.Form):
    """A create form: its hidden key, made when the form is shown, lets a double submit
    (or ten at once) create one object (``crm.http.created_once``)."""

    submission_key = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=200, initial=new_submission_key
    )
