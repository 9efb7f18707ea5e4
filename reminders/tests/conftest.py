import datetime as dt
import zoneinfo

import pytest

from reminders import tasks
from reminders.tests.backends import FlakyBackend

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: str = "UTC"):
    """An aware datetime in ``tz``."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(tz))


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Unit tests never reach Redis: queued tasks are recorded instead."""
    queued: list[str] = []
    monkeypatch.setattr(tasks.send_outbox, "delay", lambda: queued.append("send_outbox"))
    return queued


@pytest.fixture
def flaky_mailer(settings):
    settings.MAILERS = {"default": {"BACKEND": "reminders.tests.backends.FlakyBackend"}}
    FlakyBackend.failures_left = 0
    FlakyBackend.closed = 0
    yield FlakyBackend
    FlakyBackend.failures_left = 0
