"""Webhooks end to end: a deal won through the handoff service, a real Celery worker on
Redis, and a real receiver on loopback that verifies each request's Standard Webhooks
signature. The worker sends after the win commits; the event arrives signed, once. Two
fault tests SIGKILL the worker while the receiver holds its request: before reading it
(sent exactly once after the restart) and after (the documented duplicate window: the
same ``webhook-id`` twice)."""

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from handoff import services as handoff_services
from handoff.tests.factories import HandoffFactory
from records.events import emit
from webhooks import services
from webhooks.models import Delivery, Status
from webhooks.tasks import send_deliveries
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


@pytest.fixture
def one_delivery(celery_worker_process, receiver, settings, admin_user):  # noqa: F811
    """One pending deal.won delivery to the receiver, and a worker that may send to it."""
    settings.WEBHOOK_ALLOW_PRIVATE = ["127.0.0.1"]
    celery_worker_process.extra_env["WEBHOOK_ALLOW_PRIVATE"] = "127.0.0.1"
    endpoint = services.endpoint_create(by=admin_user, url=receiver.url, events=["deal.won"])
    receiver.secret = endpoint.secret
    with transaction.atomic():
        emit("deal.won", {"id": 1})
    return Delivery.objects.get()


def unlocked(pk: int) -> bool:
    try:
        with transaction.atomic():
            Delivery.objects.select_for_update(nowait=True).get(pk=pk)
    except DatabaseError:
        return False
    return True


def kill_while_held(worker, receiver, delivery) -> None:  # noqa: F811
    """Start the worker, let it post, SIGKILL it while the receiver holds the request."""
    worker.start()
    send_deliveries.delay()
    if not receiver.holding.wait(TIMEOUT):
        print(worker.log())
        pytest.fail("The worker never posted.")
    worker.kill()
    receiver.release.set()
    # The killed transaction rolls back: the row is pending again, the attempt uncounted.
    wait_until(lambda: unlocked(delivery.pk), worker, "the killed transaction to roll back")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.attempt_log.count()) == (
        Status.PENDING,
        0,
        0,
    )
    worker.start()
    send_deliveries.delay()  # beat's every-minute sweep
    wait_until(
        lambda: Delivery.objects.filter(pk=delivery.pk, status=Status.SENT).exists(),
        worker,
        "the delivery to be sent",
    )
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.attempt_log.count()) == (1, 1)


def test_a_worker_killed_before_the_receiver_read_the_request_sends_it_exactly_once(
    celery_worker_process,
    receiver,  # noqa: F811 (the imported fixture)
    one_delivery,
):
    receiver.hold = "before_body"
    kill_while_held(celery_worker_process, receiver, one_delivery)
    assert receiver.ids() == [one_delivery.event_id]
    assert receiver.unverified == []


def test_a_kill_inside_the_documented_window_repeats_the_same_webhook_id(
    celery_worker_process,
    receiver,  # noqa: F811 (the imported fixture)
    one_delivery,
):
    """The receiver has the request, the sender dies before it records the answer: the
    restarted sender posts it again, with the same ``webhook-id`` (the receiver's key for
    dropping a repeat), each copy signed."""
    receiver.hold = "before_answer"
    kill_while_held(celery_worker_process, receiver, one_delivery)
    assert receiver.ids() == [one_delivery.event_id, one_delivery.event_id]
    assert receiver.unverified == []
