"""Webhooks end to end: a deal won through the handoff service, a real Celery worker on
Redis, and a real receiver on loopback that verifies each request's Standard Webhooks
signature. The worker sends after the win commits; the event arrives signed, once."""

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django.db import transaction
from django.utils import timezone

from handoff import services as handoff_services
from handoff.tests.factories import HandoffFactory
from webhooks import services
from webhooks.models import Delivery, Status
from webhooks.tests.conftest import receiver  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 120


def wait_until(condition: Callable[[], bool], worker, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            print(worker.log())
            pytest.fail(f"Timed out waiting for {what}.")
        time.sleep(0.05)


def test_a_won_deal_reaches_a_verifying_receiver_through_a_real_worker_once(
    celery_worker_process,
    receiver,  # noqa: F811 (the imported fixture)
    settings,
    admin_user,
    rep,
):
    settings.WEBHOOK_ALLOW_PRIVATE = ["127.0.0.1"]
    celery_worker_process.extra_env["WEBHOOK_ALLOW_PRIVATE"] = "127.0.0.1"
    endpoint = services.endpoint_create(
        by=admin_user, url=receiver.url, events=["deal.won", "project.created"]
    )
    receiver.secret = endpoint.secret
    today = timezone.localdate()
    handoff = HandoffFactory(
        deal__owner=rep,
        kickoff_date=today + dt.timedelta(days=7),
        promised_date=today + dt.timedelta(days=400),
    )
    celery_worker_process.start()
    with transaction.atomic():  # the win commits; its send is queued after the commit
        handoff_services.deal_win(deal=handoff.deal, by=rep)

    def delivered() -> bool:
        return not Delivery.objects.exclude(status=Status.SENT).exists()

    wait_until(lambda: len(receiver.received) >= 2 and delivered(), celery_worker_process, "2")
    assert receiver.unverified == []
    assert sorted(r.payload["type"] for r in receiver.received) == ["deal.won", "project.created"]
    assert sorted(receiver.ids()) == sorted(Delivery.objects.values_list("event_id", flat=True))
    # A second sweep (beat's, or this one) sends nothing again.
    assert services.deliveries_send_due().sent == []
    assert len(receiver.received) == 2
