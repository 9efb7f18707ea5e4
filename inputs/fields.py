"""Model fields that hold the input policy, so every ``full_clean`` enforces it."""

from django.db import models

from inputs.dates import validate_date
from inputs.text import validate_no_nul, validate_single_line


class LineField(models.CharField):
    """One line of text (a title, a name): no line breaks, no control characters."""

    default_validators = [validate_single_line]


class TextField(models.TextField):
    """Free text: any line breaks, never a NUL byte."""

    default_validators = [validate_no_nul]


class DateField(models.DateField):
    """A date from year 1900 to 2999."""

    default_validators = [validate_date]


class DateTimeField(models.DateTimeField):
    """A moment whose date lies from year 1900 to 2999."""

    default_validators = [validate_date]
