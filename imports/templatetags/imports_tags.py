"""The wizard's words for people: ``{{ job.layout.encoding|encoding_name }}``,
``{{ job.layout.delimiter|delimiter_name }}``, ``{{ label|short_label }}``,
``{% problem_place job p.column as place %}`` and ``{% next_steps job as steps %}``."""

from django import template
from django.urls import reverse

from imports import labels
from imports.models import ImportJob, Kind

register = template.Library()

register.filter("encoding_name", labels.encoding_name)
register.filter("delimiter_name", labels.delimiter_name)
register.filter("short_label", labels.short_label)


@register.simple_tag
def problem_place(job: ImportJob, name: str) -> labels.Place:
    return labels.problem_place(job, name)


# What an import of each kind is usually followed by (later files link to earlier ones).
NEXT_KIND = {Kind.COMPANIES: Kind.CONTACTS, Kind.CONTACTS: Kind.DEALS, Kind.DEALS: Kind.ACTIVITIES}
LISTS = {
    Kind.COMPANIES: "crm:company-list",
    Kind.CONTACTS: "crm:contact-list",
    Kind.DEALS: "crm:deal-list",
}


@register.simple_tag
def next_steps(job: ImportJob) -> dict[str, str]:
    """After a finished import: the list of what it made, and the next file to import."""
    kind = Kind(job.kind)
    following = NEXT_KIND.get(kind)
    imports = reverse("imports:import-list")
    return {
        "list_url": reverse(LISTS[kind]) if kind in LISTS else "",
        "list_label": f"See the {kind.label.lower()}",
        "import_url": f"{imports}?kind={following.value}" if following else imports,
        "import_label": f"Import {following.label.lower()} next"
        if following
        else "Import another file",
    }
