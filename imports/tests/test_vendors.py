"""Each vendor's export set (tests/data/imports, written by make_files.py from one set of
companies, contacts and deals) imports as exported: the automatic mapping and no edit but
the default next action. What lands is exactly what the generator put in, and a second
import of the same files changes nothing."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Company, Contact, Deal, ExchangeRate, Stage, StageChange
from imports import engine, services
from imports.models import ImportJob, Status
from imports.tests.helpers import problems, upload
from projects.models import Project
from tests.data.imports import make_files

pytestmark = pytest.mark.django_db

DATA = Path(make_files.__file__).parent
ZONE = zoneinfo.ZoneInfo("Europe/Zurich")
RATES = {"EUR": Decimal(1), "USD": Decimal("0.92"), "GBP": Decimal("1.17"), "CHF": Decimal("1.04")}
PIPEDRIVE = [("companies", "pipedrive_organizations.csv"), ("contacts", "pipedrive_persons.csv")]
SETS = {
    "hubspot": [
        ("companies", "hubspot_companies.csv"),
        ("contacts", "hubspot_contacts.csv"),
        ("deals", "hubspot_deals.csv"),
    ],
    "pipedrive": [*PIPEDRIVE, ("deals", "pipedrive_deals.csv")],
    "pipedrive_de": [*PIPEDRIVE, ("deals", "pipedrive_deals_de.csv")],
    "salesforce": [
        ("companies", "salesforce_accounts.csv"),
        ("contacts", "salesforce_contacts.csv"),
        ("deals", "salesforce_opportunities.csv"),
    ],
    "zoho": [("companies", "zoho_accounts.csv"), ("deals", "zoho_deals.csv")],
    "odoo": [("deals", "odoo_crm_lead.csv")],
    "relay": [
        ("companies", "relay_companies.csv"),
        ("contacts", "relay_contacts.csv"),
        ("deals", "relay_deals.csv"),
    ],
}
# (created, updated, skipped, failed) of each file's first import.
FIRST = {
    "companies": (30, 0, 1, 0),  # the second "Acme Robotics" is the first one
    "contacts": (39, 0, 1, 0),  # two rows share one email address: one contact
    "deals": (45, 0, 0, 0),
}
# The currency each vendor's file gives a deal of the generator's currency.
CURRENCY = {
    "hubspot": lambda c: "USD",
    "pipedrive": lambda c: "EUR" if c == "GBP" else c,
    "pipedrive_de": lambda c: "EUR",
    "salesforce": lambda c: "USD" if c == "EUR" else c,
    "zoho": lambda c: "EUR" if c == "EUR" else "USD",
    "odoo": lambda c: "EUR",
    "relay": lambda c: c,
}
GERMAN_REASONS = {
    "Price too high": "Preis zu hoch (über 10.000 €)",
    "Chose a competitor": "Wettbewerber gewählt",
    "No budget": "Kein Budget",
    "Timing": "Zeitpunkt",
}
# Salesforce's opportunity report carries no lost reason column.
NO_LOST_REASON = {"salesforce"}
OPTIONS = {"default_next_action": "Review the imported deal", "default_next_action_days": 2}


def _import(by: User, kind: str, name: str) -> ImportJob:
    job = services.import_create(
        by=by,
        upload=upload((DATA / name).read_bytes(), name),
        kind=kind,
        options=OPTIONS if kind == "deals" else {},
    )
    job.status = Status.QUEUED
    job.save(update_fields=["status"])
    engine.run(job)
    job.refresh_from_db()
    return job


def _expected_deals(system: str) -> list[tuple[object, ...]]:
    companies, _contacts, deals = make_files.build()
    rows = []
    for d in deals:
        title = d.title
        if system == "pipedrive_de":
            title = title.replace("Maintenance contract", "Wartungsvertrag")
            title = title.encode("cp1252", "replace").decode("cp1252")  # Excel's "Kova?"
        company = companies[d.company].name
        if system == "hubspot" and d.index == 3:
            company = "Acme Robotics"  # associated with both Acme records: the first id
        reason = d.lost_reason
        if system == "pipedrive_de" and reason:
            reason = GERMAN_REASONS[reason]
        owner = make_files.USERNAMES[d.owner]
        amount = d.amount or Decimal(0)  # a deal without an amount has 0
        stage = d.stage
        if system == "odoo" and stage == Stage.NEGOTIATION:
            stage = Stage.PROPOSAL  # Odoo's default pipeline has one "Proposition" stage
        if system in NO_LOST_REASON:
            reason = ""
        currency = CURRENCY[system](d.currency)
        rows.append(
            (
                title,
                company,
                "sam" if owner == "former" else owner,  # a former employee's go to who imports
                stage,
                amount,
                currency,
                (amount * RATES[currency]).quantize(Decimal("0.01")),
                d.created.date(),
                d.close,
                d.close if d.stage in (Stage.WON, Stage.LOST) else None,
                reason if d.stage == Stage.LOST else "",
            )
        )
    return sorted(rows, key=repr)


def _landed() -> list[tuple[object, ...]]:
    rows = []
    for deal in Deal.objects.select_related("company", "owner", "lost_reason"):
        closed = deal.won_at or deal.lost_at
        rows.append(
            (
                deal.title,
                deal.company.name,
                deal.owner.username,
                deal.stage,
                deal.amount,
                deal.currency,
                deal.amount_base,
                deal.created_at.astimezone(ZONE).date(),
                deal.expected_close_date,
                closed.astimezone(ZONE).date() if closed else None,
                deal.lost_reason.name if deal.lost_reason else "",
            )
        )
    return sorted(rows, key=repr)


@pytest.fixture
def sam(db: None) -> User:
    sam = UserFactory(
        username="sam", full_name="Sam Manager", role=Role.SALES_MANAGER, time_zone="Europe/Zurich"
    )
    UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    UserFactory(username="ravi", full_name="Ravi Rep", role=Role.SALES_REP)
    for code, rate in RATES.items():
        if code != "EUR":
            ExchangeRate.objects.create(currency=code, rate=rate, valid_from=dt.date(2020, 1, 1))
    return sam


@pytest.mark.parametrize("system", SETS)
def test_a_vendor_export_set_imports_as_exported_and_again_changes_nothing(
    system: str, sam: User
) -> None:
    for kind, name in SETS[system]:
        job = _import(sam, kind, name)
        expected = FIRST[kind]
        assert (job.status, (job.created, job.updated, job.skipped, job.failed)) == (
            Status.DONE,
            expected,
        ), (name, problems(job))

    assert _landed() == _expected_deals(system)
    open_deals = Deal.objects.exclude(stage__in=[Stage.WON, Stage.LOST])
    assert not open_deals.filter(next_action="").exists()  # R2 holds on every open deal
    assert not open_deals.filter(next_action_due_date__isnull=True).exists()
    past_lead = open_deals.exclude(stage=Stage.LEAD)
    assert not past_lead.filter(qualification_notes="").exists()  # R4 as well
    assert not Project.objects.exists()  # history starts no kickoff project
    won = Deal.objects.filter(stage=Stage.WON).first()
    if won is not None:
        assert list(
            StageChange.objects.filter(deal=won).values_list("from_stage", "to_stage", "by")
        ) == [("lead", "won", sam.pk)]

    counts = (Company.objects.count(), Contact.objects.count(), Deal.objects.count())
    versions = sorted(Deal.objects.values_list("pk", "version"))
    for kind, name in SETS[system]:
        again = _import(sam, kind, name)
        assert (again.status, again.created, again.updated) == (Status.DONE, 0, 0), (
            name,
            problems(again),
        )
    assert (Company.objects.count(), Contact.objects.count(), Deal.objects.count()) == counts
    assert sorted(Deal.objects.values_list("pk", "version")) == versions
