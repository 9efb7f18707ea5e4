"""The wizard's names for people: ``{{ job.layout.encoding|encoding_name }}``,
``{{ job.layout.delimiter|delimiter_name }}``,
``{{ label|short_label }}`` and ``{% problem_place job p.column as place %}``."""

from django import template

from imports import labels
from imports.models import ImportJob

register = template.Library()

register.filter("encoding_name", labels.encoding_name)
register.filter("delimiter_name", labels.delimiter_name)
register.filter("short_label", labels.short_label)


@register.simple_tag
def problem_place(job: ImportJob, name: str) -> labels.Place:
    return labels.problem_place(job, name)
