import datetime as dt
import zoneinfo

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import LeadSource
from reminders import tasks
from webforms import services


def at(year, month, day, hour=0, minute=0, tz="UTC"):
    """An aware datetime in ``tz``."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(tz))


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Unit tests never reach Redis's queues: queued sends are recorded instead."""
    queued: list[str] = []
    monkeypatch.setattr(tasks.send_outbox, "delay", lambda: queued.append("send_outbox"))
    return queued


@pytest.fixture
def website(db):
    return LeadSource.objects.get(name="Website")


@pytest.fixture
def owners(db):
    return [
        UserFactory(username=f"owner{i}", role=Role.SALES_REP, time_zone="UTC") for i in (1, 2, 3)
    ]


@pytest.fixture
def webform(admin_user, website, owners):
    return services.webform_create(by=admin_user, name="Contact us", source=website, owners=owners)


def enquiry(**fields):
    data = {
        "company": "Acme Robotics",
        "first_name": "Ann",
        "last_name": "Archer",
        "email": "ann@acme.example",
        "phone": "+49 30 1234",
        "message": "We need a new website by spring.",
        "utm_source": "",
        "utm_medium": "",
        "utm_campaign": "",
    }
    data.update(fields)
    return data
