"""The wizard's names for people: encodings, separators, field labels, and where a row
problem is (the file's column and the Relay field it fills)."""

import pytest

from imports.labels import Place, delimiter_name, encoding_name, problem_place, short_label
from imports.models import ImportJob


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8-sig", "UTF-8 with BOM"),
        ("utf-8", "UTF-8"),
        ("cp1252", "Windows-1252"),
        ("latin-1", "Latin-1"),
        ("utf-16", "utf-16"),
    ],
)
def test_encoding_name(encoding: str, name: str) -> None:
    assert encoding_name(encoding) == name


def test_delimiter_name() -> None:
    assert [delimiter_name(d) for d in (",", ";", "\t", "|", "#")] == [
        "commas",
        "semicolons",
        "tabs",
        "vertical bars",
        "“#”",
    ]


def test_short_label() -> None:
    assert [short_label(x) for x in ("Owner", "Status (open, won, lost)", "Probability (%)")] == [
        "Owner",
        "Status",
        "Probability",
    ]


def _job() -> ImportJob:
    header = ["Deal Name", "Next step", "Due", "owner", "Region"]
    return ImportJob(
        kind="deals",
        layout={"header": header},
        mapping={
            "Deal Name": "title",
            "Next step": "next_action",
            "Due": "next_action_due",
            "owner": None,
            "Region": None,
        },
    )


@pytest.mark.parametrize(
    ("recorded", "place"),
    [
        # A mapped field's problem is recorded under its column: the column and its field.
        ("Next step", Place("Next step", "Next action")),
        ("Due", Place("Due", "Next action due")),
        # A model field's name: the import field whose column holds it.
        ("next_action_due_date", Place("Due", "Next action due")),
        # A field no column fills: its label, no column.
        ("amount", Place("", "Amount")),
        # An ignored column named like a field: the field, which no column fills.
        ("owner", Place("", "Owner")),
        ("Region", Place("Region", "")),
        ("", Place("", "")),
        ("something_else", Place("", "something_else")),
    ],
)
def test_problem_place(recorded: str, place: Place) -> None:
    assert problem_place(_job(), recorded) == place
