"""Relay's own CSV exports import back unchanged: every record found by its id, nothing
created, nothing changed (formula-guard quotes, currencies and closed deals included)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from crm.models import Company, Contact, Deal, LostReason
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory, ExchangeRateFactory
from imports.models import Status
from imports.tests.helpers import problems, run_file
from tests.data.imports import make_files

pytestmark = pytest.mark.django_db

DATA = Path(make_files.__file__).parent


def _export(client: Client, name: str) -> bytes:
    response = client.get(reverse(name), {"format": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _versions() -> list[tuple[str, int, int]]:
    return sorted(
        [("company", pk, v) for pk, v in Company.objects.values_list("pk", "version")]
        + [("contact", pk, v) for pk, v in Contact.objects.values_list("pk", "version")]
        + [("deal", pk, v) for pk, v in Deal.objects.values_list("pk", "version")]
    )


def test_every_export_imports_back_unchanged(client: Client, manager: User, rep: User) -> None:
    ExchangeRateFactory(currency="USD", rate=Decimal("0.92"), valid_from=dt.date(2020, 1, 1))
    acme = CompanyFactory(name="Acme Robotics", domain="acme.example", owner=rep)
    weiss = CompanyFactory(name="Weiß & Söhne KG", domain="", owner=manager, industry="=SUM(A1)")
    chloe = ContactFactory(
        company=acme,
        first_name="Chloe",
        last_name="Meyer",
        email="chloe@acme.example",
        phone="+41 44 200 10 00",
        owner=rep,
    )
    ContactFactory(company=weiss, first_name="Lukas", last_name="", email="", owner=manager)
    DealFactory(title="Website", company=acme, contact=chloe, owner=rep)
    DealFactory(
        title="Shop",
        company=acme,
        owner=rep,
        negotiation=True,
        currency="USD",
        amount=Decimal("12500.50"),
        exchange_rate=Decimal("0.92"),
        next_action="-call back",
        qualification_notes="Budget agreed.\nLegal next.",
    )
    DealFactory(title="Old loss", company=weiss, owner=manager, lost=True, next_action="")
    assert LostReason.objects.exists()
    client.force_login(manager)
    files = [
        ("companies", _export(client, "crm:company-list")),
        ("contacts", _export(client, "crm:contact-list")),
        ("deals", _export(client, "crm:deal-list")),
    ]
    before = _versions()
    for kind, content in files:
        job = run_file(manager, kind, content, name=f"{kind}.csv")
        assert (job.system, job.status, job.created, job.updated, job.failed) == (
            "relay",
            Status.DONE,
            0,
            0,
            0,
        ), (kind, problems(job), job.mapping)
    assert _versions() == before


def test_the_relay_vendor_files_have_the_exports_header(client: Client, manager: User) -> None:
    """tests/data/imports/relay_*.csv (make_files.py) are written as Relay exports today."""
    client.force_login(manager)
    for name, file in [
        ("crm:company-list", "relay_companies.csv"),
        ("crm:contact-list", "relay_contacts.csv"),
        ("crm:deal-list", "relay_deals.csv"),
    ]:
        exported = _export(client, name).decode("utf-8-sig").splitlines()[0]
        written = (DATA / file).read_text(encoding="utf-8-sig").splitlines()[0]
        assert written == exported, file
    assert ",".join(make_files.RELAY_DEAL_COLUMNS) == exported
