"""How the wizard names things to people: a file's encoding, a Relay field, and where in
the file a row problem is (the file's column and the field it fills)."""

import re
from typing import TYPE_CHECKING, NamedTuple

from imports.profiles import FIELDS

if TYPE_CHECKING:
    from imports.models import ImportJob

ENCODINGS = {
    "utf-8-sig": "UTF-8 with BOM",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
# Model fields a row's errors may name, and the import field whose column holds their value.
MODEL_FIELDS = {
    "next_action_due_date": "next_action_due",
    "next_action_due_time": "next_action_due",
    "owner_id": "owner",
    "company_id": "company",
    "contact_id": "contact",
    "source_id": "source",
    "lost_reason_id": "lost_reason",
}


def encoding_name(encoding: str) -> str:
    """ "utf-8-sig" as people call it: "UTF-8 with BOM"."""
    return ENCODINGS.get(encoding, encoding)


def delimiter_name(delimiter: str) -> str:
    """What separates the file's values, in words: "commas", "tabs"."""
    return DELIMITERS.get(delimiter, f"“{delimiter}”")


def short_label(label: str) -> str:
    """A field's label without its explanation: "Status (open, won, lost)" -> "Status"."""
    return re.sub(r"\s*\(.*\)$", "", label)


class Place(NamedTuple):
    column: str  # the file's column ("" when the problem is in none)
    field: str  # the label of the Relay field ("" when the problem names none)


def problem_place(job: "ImportJob", name: str) -> Place:
    """Where the problem recorded under ``name`` is: a file's column (what the engine records
    for a mapped field), else a field or model field name (when no column maps to it)."""
    labels = FIELDS.get(job.kind, {})
    mapping: dict[str, str | None] = job.mapping or {}
    mapped = mapping.get(name) if name else None
    if mapped is not None and mapped in labels:
        return Place(name, labels[mapped])
    field = MODEL_FIELDS.get(name, name)
    if field in labels:
        column = next((c for c, f in mapping.items() if f == field), "")
        return Place(column, labels[field])
    if name in (job.layout or {}).get("header", []):
        return Place(name, "")
    return Place("", name)  # a name the wizard does not know: shown as it is
