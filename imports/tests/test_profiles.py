from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from imports.profiles import FIELDS, Profile, detect, normalize, stage_value, status_value
from imports.reading import column_samples, detect_layout, read_rows
from imports.values import (
    detect_date_order,
    detect_decimal,
    parse_date,
    parse_datetime,
    parse_money,
    split_multi,
)
from tests.data.imports.expected import FILES

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "imports"


def test_fields_are_the_engines():
    assert {kind: list(fields) for kind, fields in FIELDS.items()} == {
        "companies": ["external_id", "name", "domain", "industry", "owner", "phone", "created_at"],
        "contacts": [
            "external_id",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "title",
            "company",
            "company_external_id",
            "owner",
            "created_at",
        ],
        "deals": [
            "external_id",
            "title",
            "company",
            "company_external_id",
            "contact",
            "contact_email",
            "contact_external_id",
            "owner",
            "amount",
            "currency",
            "stage",
            "status",
            "probability",
            "source",
            "campaign",
            "expected_close_date",
            "created_at",
            "closed_at",
            "won_at",
            "lost_at",
            "lost_reason",
            "lost_note",
            "next_action",
            "next_action_due",
            "qualification_notes",
        ],
        "activities": [
            "external_id",
            "kind",
            "subject",
            "body",
            "occurred_at",
            "author",
            "deal_external_id",
            "deal",
            "company",
            "company_external_id",
            "contact_email",
            "contact_external_id",
        ],
    }


@pytest.mark.parametrize("name", sorted(FILES))
def test_vendor_file_is_recognised_and_mapped(name):
    expected = FILES[name]
    header = detect_layout(DATA / name).header
    profile = detect(header)
    assert (profile.system, profile.kind) == (expected["system"], expected["kind"])
    assert {column: profile.mapping[column] for column in expected["mapping"]} == expected[
        "mapping"
    ]
    assert list(profile.mapping) == header
    fields = [field for field in profile.mapping.values() if field]
    assert len(fields) == len(set(fields))
    assert set(fields) <= set(FIELDS[expected["kind"]])


def parsed(field, raw, system, decimal, order, zone):
    if field == "amount":
        return parse_money(raw, decimal=decimal or "auto")
    if field == "stage":
        return stage_value(system, raw)
    if field == "status":
        return status_value(raw, system)
    if field in ("expected_close_date", "next_action_due"):
        return parse_date(raw, order=order)
    if field in ("created_at", "won_at", "lost_at", "closed_at"):
        return parse_datetime(raw, order=order, zone=zone)
    if field.endswith("_external_id") and system == "hubspot":
        return split_multi(raw)
    return raw


@pytest.mark.parametrize("name", sorted(FILES))
def test_vendor_file_values_parse_as_expected(name):
    expected = FILES[name]
    path = DATA / name
    layout = detect_layout(path)
    profile = detect(layout.header)
    samples = column_samples(path, layout, per_column=50)
    column_of = {field: column for column, field in profile.mapping.items() if field}
    decimal = detect_decimal(samples[column_of["amount"]]) if "amount" in column_of else None
    date_column = column_of.get("expected_close_date") or column_of.get("created_at")
    order = detect_date_order(samples[date_column]) if date_column else None
    assert (decimal, order) == (expected["decimal"], expected["date_order"])
    zone = ZoneInfo(expected["zone"])
    rows = {row.line: row for row in read_rows(path, layout)}
    for value in expected["values"]:
        raw = rows[value["line"]].cells[value["column"]]
        result = parsed(value["field"], raw, profile.system, decimal, order or "auto", zone)
        if value["field"] == "amount":
            assert result == (value["value"], value.get("currency")), value
        else:
            assert result == value["value"], value


def test_every_stage_and_status_in_the_vendor_files_is_known():
    unknown = set()
    for name, expected in FILES.items():
        if expected["kind"] != "deals":
            continue
        path = DATA / name
        layout = detect_layout(path)
        profile = detect(layout.header)
        columns = {field: column for column, field in profile.mapping.items() if field}
        for row in read_rows(path, layout):
            if stage_value(profile.system, row.cells[columns["stage"]]) is None:
                unknown.add((name, row.cells[columns["stage"]]))
            if (
                "status" in columns
                and status_value(row.cells[columns["status"]], profile.system) is None
            ):
                unknown.add((name, row.cells[columns["status"]]))
    assert unknown == set()


def test_normalize():
    assert normalize(" Deal - Währung ") == "dealwahrung"
    assert normalize("Probability (%)") == "probability"
    assert normalize("Account Name.id") == "accountnameid"
    assert normalize("partner_id/id") == "partneridid"
    assert normalize("Grund für Verlust") == normalize("GRUND FUR VERLUST")


def test_detect_ignores_case_spacing_and_accents():
    profile = detect(
        ["deal - titel", "DEAL - WERT", "Deal \u2013 Wahrung", "deal-phase", "Deal - Status"]
    )
    assert profile == Profile(
        system="pipedrive",
        kind="deals",
        mapping={
            "deal - titel": "title",
            "DEAL - WERT": "amount",
            "Deal \u2013 Wahrung": "currency",
            "deal-phase": "stage",
            "Deal - Status": "status",
        },
    )


def test_detect_each_field_once_the_preferred_column_first():
    profile = detect(["Deal - Title", "Organization - Name", "Deal - Organization", "Deal - Value"])
    assert profile.mapping == {
        "Deal - Title": "title",
        "Organization - Name": None,
        "Deal - Organization": "company",
        "Deal - Value": "amount",
    }


def test_detect_hubspot_against_zoho_record_id():
    assert detect(["Record ID", "Deal Name", "Deal Stage", "Close Date"]).system == "hubspot"
    assert detect(["Record Id", "Deal Name", "Stage", "Closing Date"]).system == "zoho"


def test_detect_zoho_and_salesforce_accounts_apart():
    zoho = detect(["Record Id", "Account Name", "Website", "Industry", "Account Owner", "Phone"])
    salesforce = detect(
        ["Account ID", "Account Name", "Website", "Industry", "Account Owner", "Phone"]
    )
    assert (zoho.system, zoho.kind) == ("zoho", "companies")
    assert (salesforce.system, salesforce.kind) == ("salesforce", "companies")
    assert zoho.mapping["Record Id"] == salesforce.mapping["Account ID"] == "external_id"


def test_detect_relay_exports():
    companies = detect(["id", "name", "domain", "industry", "owner", "open_deals", "created_at"])
    assert companies == Profile(
        system="relay",
        kind="companies",
        mapping={
            "id": "external_id",
            "name": "name",
            "domain": "domain",
            "industry": "industry",
            "owner": "owner",
            "open_deals": None,
            "created_at": "created_at",
        },
    )
    contacts = detect(
        [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "company",
            "owner",
            "created_at",
        ]
    )
    assert (contacts.system, contacts.kind, contacts.mapping["id"]) == (
        "relay",
        "contacts",
        "external_id",
    )


def test_detect_with_a_kind_maps_for_that_kind():
    header = ["Record ID", "Company name", "Company Domain Name", "Company owner"]
    profile = detect(header, kind="deals")
    assert profile == Profile(
        system="hubspot",
        kind="companies",
        mapping={
            "Record ID": "external_id",
            "Company name": None,
            "Company Domain Name": None,
            "Company owner": None,
        },
    )


def test_detect_other_tool_by_field_names_and_common_names():
    profile = detect(["E-Mail", "Vorname", "Nachname", "Firma", "Notes"])
    assert profile == Profile(
        system="other",
        kind="contacts",
        mapping={
            "E-Mail": "email",
            "Vorname": "first_name",
            "Nachname": "last_name",
            "Firma": "company",
            "Notes": None,
        },
    )
    assert detect(["Email", "First name", "Foo"]).system == "other"
    assert detect(["x", "y"]) == Profile(system="other", kind=None, mapping={"x": None, "y": None})
    assert detect(["Title", "Amount", "Stage"], kind="deals").mapping == {
        "Title": "title",
        "Amount": "amount",
        "Stage": "stage",
    }


def test_detect_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        detect(["a"], kind="tasks")


@pytest.mark.parametrize(
    ("system", "value", "stage"),
    [
        ("hubspot", "appointmentscheduled", "lead"),
        ("hubspot", "Appointment Scheduled", "lead"),
        ("hubspot", "qualifiedtobuy", "qualified"),
        ("hubspot", "Presentation Scheduled", "qualified"),
        ("hubspot", "Decision Maker Bought-In", "proposal"),
        ("hubspot", "contractsent", "negotiation"),
        ("hubspot", "Closed Won", "won"),
        ("hubspot", "closedlost", "lost"),
        ("pipedrive", "Lead In", "lead"),
        ("pipedrive", "Contact Made", "qualified"),
        ("pipedrive", "Demo Scheduled", "qualified"),
        ("pipedrive", "Proposal Made", "proposal"),
        ("pipedrive", "Negotiations Started", "negotiation"),
        ("pipedrive", "Kontakt hergestellt", "qualified"),
        ("pipedrive", "Verhandlungen begonnen", "negotiation"),
        ("salesforce", "Prospecting", "lead"),
        ("salesforce", "Qualification", "lead"),
        ("zoho", "Qualification", "lead"),
        ("salesforce", "Needs Analysis", "qualified"),
        ("salesforce", "Id. Decision Makers", "qualified"),
        ("salesforce", "Proposal/Price Quote", "proposal"),
        ("salesforce", "Negotiation/Review", "negotiation"),
        ("salesforce", "Closed Won", "won"),
        ("salesforce", "Closed Lost", "lost"),
        ("zoho", "Identify Decision Makers", "qualified"),
        ("zoho", "Closed-Lost to Competition", "lost"),
        ("odoo", "New", "lead"),
        ("odoo", "Proposition", "proposal"),
        ("odoo", "Won", "won"),
        ("relay", "negotiation", "negotiation"),
        ("other", "Won", "won"),
        ("pipedrive", "Closed Won", None),
        ("hubspot", "Custom stage 7", None),
        ("odoo", "", None),
    ],
)
def test_stage_value(system, value, stage):
    assert stage_value(system, value) == stage


@pytest.mark.parametrize(
    ("value", "system", "status"),
    [
        ("open", "pipedrive", "open"),
        ("Won", "pipedrive", "won"),
        ("lost", "pipedrive", "lost"),
        ("offen", "pipedrive", "open"),
        ("gewonnen", "pipedrive", "won"),
        ("Verloren", "pipedrive", "lost"),
        ("deleted", "pipedrive", None),
        ("pending", "odoo", "open"),
        ("False", "odoo", "lost"),
        ("True", "odoo", "open"),
        ("False", "other", None),
        ("", "pipedrive", None),
    ],
)
def test_status_value(value, system, status):
    assert status_value(value, system) == status
