"""Every CRM CSV export in the house CSV form (accounts.formats): ISO dates, datetimes ISO
8601 with the viewer's offset, amounts as plain decimals with two places and a currency
column of their own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Company, Contact, Deal
from crm.tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    ExchangeRateFactory,
)

# 19:15 UTC on 2 December 2026: 20:15 in Berlin, 00:45 on 3 December in Kolkata.
MADE = dt.datetime(2026, 12, 2, 19, 15, tzinfo=dt.UTC)


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    return [dict(zip(header.split(","), line.split(","), strict=True)) for line in lines]


@pytest.fixture
def records(rep, chf):
    acme = CompanyFactory(owner=rep, name="Acme", domain="acme.example", industry="Retail")
    ann = ContactFactory(owner=rep, company=acme, first_name="Ann", last_name="Lee")
    ann.email, ann.phone, ann.title = "ann@acme.example", "", "CTO"
    ann.save()
    deal = DealFactory(
        owner=rep,
        company=acme,
        contact=ann,
        title="Roll-out",
        amount=Decimal("81000.50"),
        currency="CHF",
        exchange_rate=Decimal("1.08"),
        next_action="Call",
        next_action_due_date=dt.date(2026, 12, 9),
        next_action_due_time=dt.time(9, 30),
    )
    # Made at the same moment, so every ``created_at`` / ``updated_at`` reads the same.
    for model, pk in ((Company, acme.pk), (Contact, ann.pk), (Deal, deal.pk)):
        model.objects.filter(pk=pk).update(created_at=MADE)
    Deal.objects.filter(pk=deal.pk).update(updated_at=MADE)
    return {"company": acme, "contact": ann, "deal": deal}


@pytest.fixture
def chf(db):
    return ExchangeRateFactory(currency="CHF", rate=Decimal("1.08"), valid_from=dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("zone", "stamp"),
    [("Europe/Berlin", "2026-12-02T20:15:00+01:00"), ("Asia/Kolkata", "2026-12-03T00:45:00+05:30")],
)
def test_the_deal_export_is_machine_readable_in_the_viewers_offset(
    client, rep, records, zone, stamp
):
    rep.time_zone = zone
    rep.save(update_fields=["time_zone"])
    client.force_login(rep)
    [row] = rows(client.get(reverse("crm:deal-list"), {"format": "csv"}))
    assert {
        key: row[key]
        for key in (
            "amount",
            "currency",
            "amount_base",
            "weighted_amount",
            "next_action_due_date",
            "next_action_due_time",
            "won_at",
            "created_at",
            "updated_at",
        )
    } == {
        "amount": "81000.50",
        "currency": "CHF",
        "amount_base": "87480.54",
        "weighted_amount": "8100.05",
        "next_action_due_date": "2026-12-09",
        "next_action_due_time": "09:30",
        "won_at": "",
        "created_at": stamp,
        "updated_at": stamp,
    }


def test_the_company_and_contact_exports_give_times_with_the_viewers_offset(client, rep, records):
    rep.time_zone = "Europe/Berlin"
    rep.save(update_fields=["time_zone"])
    client.force_login(rep)
    company = client.get(reverse("crm:company-list"), {"format": "csv"})
    assert rows(company) == [
        {
            "id": str(records["company"].pk),
            "name": "Acme",
            "domain": "acme.example",
            "industry": "Retail",
            "owner": "rep",
            "open_deals": "1",
            "created_at": "2026-12-02T20:15:00+01:00",
        }
    ]
    contact = client.get(reverse("crm:contact-list"), {"format": "csv"})
    assert rows(contact) == [
        {
            "id": str(records["contact"].pk),
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@acme.example",
            "phone": "",
            "title": "CTO",
            "company": "Acme",
            "owner": "rep",
            "created_at": "2026-12-02T20:15:00+01:00",
        }
    ]
