"""Deliveries through the real component: events recorded in the outbox with their change,
posted signed to a real receiver on loopback, retried with backoff, sent once, and an
endpoint that keeps failing disabled with an email to the admins."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction
from standardwebhooks import Webhook

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm import services as crm_services
from crm.models import LostReason
from crm.tests.factories import CompanyFactory, DealFactory
from handoff import services as handoff_services
from handoff.tests.factories import HandoffFactory
from records.events import emit
from reminders.models import OutboxEmail, Transactional
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, Status
from webhooks.services import DISABLE_AFTER, MAX_ATTEMPTS, backoff, deliveries_send_due

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def endpoint(db, admin_user, allow_loopback, receiver):
    made = services.endpoint_create(
        by=admin_user, url=receiver.url, events=["deal.won", "deal.stage_changed"]
    )
    receiver.secret = made.secret
    return made


def win(owner):
    handoff = HandoffFactory(
        deal__owner=owner,
        deal__title="Website relaunch",
        kickoff_date=dt.date(2026, 12, 14),
        promised_date=dt.date(2027, 12, 31),
    )
    handoff_services.deal_win(deal=handoff.deal, by=owner)
    handoff.deal.refresh_from_db()
    return handoff.deal


@pytest.mark.django_db
def test_a_deal_won_through_the_service_reaches_the_receiver_signed_once(
    clock, rep, endpoint, receiver, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deal = win(rep)
    # Recorded with the win: a stage change and the win (project.created is not subscribed).
    rows = list(Delivery.objects.order_by("pk"))
    assert [(d.endpoint_id, d.event_type, d.status) for d in rows] == [
        (endpoint.pk, "deal.stage_changed", Status.PENDING),
        (endpoint.pk, "deal.won", Status.PENDING),
    ]
    report = deliveries_send_due()
    assert len(report.sent) == 2
    assert receiver.unverified == []
    assert [r.payload["type"] for r in receiver.received] == ["deal.stage_changed", "deal.won"]
    won = receiver.received[1]
    assert won.path == "/hooks/relay"
    assert won.payload == {
        "type": "deal.won",
        "timestamp": "2026-12-07T09:00:00Z",
        "data": {
            "id": deal.pk,
            "title": "Website relaunch",
            "stage": "won",
            "amount": "10000.00",
            "currency": deal.currency,
            "company_id": deal.company_id,
            "owner_id": rep.pk,
        },
    }
    assert won.headers["webhook-id"] == rows[1].event_id
    assert won.headers["webhook-id"].startswith("evt_") and len(rows[1].event_id) == 36
    assert won.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert won.headers["content-type"] == "application/json"
    assert won.headers["host"] == f"127.0.0.1:{receiver.port}"
    # Signed with this endpoint's secret and no other.
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(services.Endpoint(url="x").secret).verify(won.body, won.headers)
    stage_changed = receiver.received[0].payload["data"]
    assert (stage_changed["from_stage"], stage_changed["to_stage"]) == ("proposal", "won")
    # Sent once: a second run finds nothing due.
    assert deliveries_send_due().sent == []
    assert len(receiver.received) == 2
    sent = Delivery.objects.get(pk=rows[1].pk)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_status_code) == (
        Status.SENT,
        1,
        NOW,
        200,
    )
    [attempt] = sent.attempt_log.all()
    assert (attempt.status_code, attempt.response_body, attempt.error) == (
        200,
        '{"status": 200}',
        "",
    )
    assert no_broker == ["send"]  # the win asked for one send, after its commit


@pytest.mark.django_db
def test_a_change_that_rolls_back_leaves_no_delivery(rep, endpoint):
    deal = DealFactory(owner=rep, qualified=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        crm_services.deal_transition(
            deal=deal, by=rep, name="lose", params={"lost_reason": LostReason.objects.first()}
        )
        assert Delivery.objects.count() == 1
        raise RuntimeError("rolled back")
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_only_active_endpoints_subscribed_to_the_event_get_a_delivery(
    admin_user, allow_loopback, receiver, rep
):
    wants = services.endpoint_create(by=admin_user, url=receiver.url, events=["deal.created"])
    other = services.endpoint_create(by=admin_user, url=receiver.url, events=["deal.won"])
    off = services.endpoint_create(by=admin_user, url=receiver.url, events=["deal.created"])
    Endpoint.objects.filter(pk=off.pk).update(is_active=False)
    deal = crm_services.deal_create(
        by=rep,
        title="New",
        company=CompanyFactory(),
        next_action="Call",
        next_action_due=dt.date(2026, 12, 10),
    )
    [delivery] = Delivery.objects.all()
    assert (delivery.endpoint_id, delivery.event_type) == (wants.pk, "deal.created")
    assert delivery.payload["data"]["id"] == deal.pk
    assert not Delivery.objects.filter(endpoint__in=[other, off]).exists()


@pytest.mark.django_db
def test_a_failure_is_retried_after_its_backoff_and_succeeds_once(clock, endpoint, receiver):
    receiver.statuses = [500]
    emit("deal.won", {"id": 1})
    report = deliveries_send_due()
    [delivery] = Delivery.objects.all()
    assert (len(report.sent), len(report.retrying)) == (0, 1)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.PENDING,
        1,
        NOW + dt.timedelta(minutes=1),
    )
    assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP 500")
    assert Endpoint.objects.get().consecutive_failures == 1

    clock.move_to(NOW + dt.timedelta(seconds=59))
    assert deliveries_send_due().retrying == []
    assert len(receiver.received) == 1

    clock.move_to(NOW + dt.timedelta(minutes=1))
    assert len(deliveries_send_due().sent) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (
        Status.SENT,
        2,
        NOW + dt.timedelta(minutes=1),
    )
    # The same event id both times, each signed at its own moment.
    assert receiver.ids() == [delivery.event_id, delivery.event_id]
    assert [r.headers["webhook-timestamp"] for r in receiver.received] == [
        str(int(NOW.timestamp())),
        str(int(NOW.timestamp()) + 60),
    ]
    assert [a.status_code for a in Attempt.objects.order_by("at")] == [500, 200]
    assert Endpoint.objects.get().consecutive_failures == 0  # a success resets the count
    clock.move_to(NOW + dt.timedelta(days=1))
    assert deliveries_send_due().sent == []


def test_backoff_grows_fourfold_from_one_minute_up_to_four_hours():
    assert [backoff(n) for n in (1, 2, 3, 4, 5, 7)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=4),
        dt.timedelta(minutes=16),
        dt.timedelta(minutes=64),
        dt.timedelta(hours=4),
        dt.timedelta(hours=4),
    ]


@pytest.mark.django_db
def test_a_refused_connection_and_a_redirect_are_failures(
    clock, admin_user, allow_loopback, receiver
):
    dead = services.endpoint_create(
        by=admin_user, url="http://127.0.0.1:9/nothing-listens", events=["deal.won"]
    )
    receiver.statuses = [302]
    live = services.endpoint_create(by=admin_user, url=receiver.url, events=["deal.won"])
    receiver.secret = live.secret
    emit("deal.won", {"id": 1})
    report = deliveries_send_due()
    assert report.sent == [] and len(report.retrying) == 2
    errors = dict(Delivery.objects.values_list("endpoint_id", "last_error"))
    assert errors[dead.pk].startswith("ConnectionRefusedError")
    assert errors[live.pk] == "HTTP 302"


@pytest.mark.django_db
def test_a_delivery_that_keeps_failing_is_failed_after_its_attempts(clock, endpoint, receiver):
    receiver.statuses = [503] * MAX_ATTEMPTS
    emit("deal.won", {"id": 1})
    for _ in range(MAX_ATTEMPTS):
        clock.move_to(Delivery.objects.get().next_attempt_at)
        deliveries_send_due()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    clock.move_to(NOW + dt.timedelta(days=7))
    assert deliveries_send_due().sent == []
    assert len(receiver.received) == MAX_ATTEMPTS
    # "Retry now" gives it a fresh set of attempts; a sent delivery is never sent again.
    admin = UserFactory(username="boss", role=Role.ADMIN)
    assert services.delivery_retry(by=admin, deliveries=[delivery]) == 1
    assert len(deliveries_send_due().sent) == 1
    assert services.delivery_retry(by=admin, deliveries=[delivery]) == 0
    assert deliveries_send_due().sent == []
    assert len(receiver.received) == MAX_ATTEMPTS + 1


@pytest.mark.django_db
def test_an_endpoint_failing_again_and_again_is_disabled_and_the_admins_emailed(
    clock, endpoint, receiver, admin_user
):
    other_admin = UserFactory(username="root2", role=Role.ADMIN)
    UserFactory(username="quiet", role=Role.ADMIN, email="")  # no address: no email
    UserFactory(username="salesy", role=Role.SALES_MANAGER)
    receiver.statuses = [500] * 20
    for n in range(DISABLE_AFTER):
        emit("deal.won", {"id": n})
    report = deliveries_send_due()
    assert len(report.retrying) == DISABLE_AFTER
    assert [e.pk for e in report.disabled] == [endpoint.pk]
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_at) == (
        False,
        DISABLE_AFTER,
        NOW,
    )
    assert endpoint.disabled_reason == "10 failed attempts in a row; the last: HTTP 500"
    emails = list(OutboxEmail.objects.order_by("recipient_id"))
    assert [(e.to_address, e.kind) for e in emails] == [
        (admin_user.email, Transactional.WEBHOOK_DISABLED),
        (other_admin.email, Transactional.WEBHOOK_DISABLED),
    ]
    assert emails[0].subject == f"Relay: webhook to {receiver.url} disabled"
    assert "10 failed attempts in a row; the last: HTTP 500" in emails[0].body_text
    admin_page = f"http://127.0.0.1:8000/admin/webhooks/endpoint/{endpoint.pk}/change/"
    assert admin_page in emails[0].body_text and admin_page in emails[0].body_html
    assert "List-Unsubscribe" not in emails[0].headers
    # Disabled: it gets no new deliveries, and its pending ones wait.
    emit("deal.won", {"id": 99})
    assert Delivery.objects.count() == DISABLE_AFTER
    clock.move_to(NOW + dt.timedelta(hours=1))
    assert deliveries_send_due().sent == []
    assert len(receiver.received) == DISABLE_AFTER
    # Enabled again: its pending deliveries are due at once and go out.
    receiver.statuses = []
    services.endpoint_enable(by=admin_user, endpoint=endpoint)
    assert len(deliveries_send_due().sent) == DISABLE_AFTER
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 0)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_sender_skips_the_row_another_sender_holds(admin_user, settings, receiver):
    """Two senders: while one holds a delivery's row lock (it is posting), the other finds
    nothing to send; once the first commits, nothing is left."""
    settings.WEBHOOK_ALLOW_PRIVATE = ["127.0.0.1"]
    endpoint = services.endpoint_create(by=admin_user, url=receiver.url, events=["deal.won"])
    receiver.secret = endpoint.secret
    with transaction.atomic():
        emit("deal.won", {"id": 1})
    delivery = Delivery.objects.get()
    locked, release, other = threading.Event(), threading.Event(), {}

    def first_sender() -> None:
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def second_sender() -> None:
        try:
            other["report"] = deliveries_send_due()
        finally:
            connection.close()

    holder = threading.Thread(target=first_sender)
    holder.start()
    assert locked.wait(10)
    runner = threading.Thread(target=second_sender)
    runner.start()
    runner.join(10)
    release.set()
    holder.join(10)
    assert other["report"].sent == [] and other["report"].retrying == []
    assert receiver.received == []
    assert len(deliveries_send_due().sent) == 1
    assert deliveries_send_due().sent == []
    assert receiver.ids() == [delivery.event_id]


@pytest.mark.django_db
def test_one_event_is_one_delivery_per_endpoint(endpoint):
    event = emit("deal.won", {"id": 1})
    services.deliveries_record(events=[event])  # the same event again: nothing new
    assert list(Delivery.objects.values_list("event_id", flat=True)) == [event.id]


@pytest.mark.django_db
def test_the_test_event_goes_to_its_endpoint_only(clock, endpoint, receiver, admin_user):
    services.endpoint_send_test(by=admin_user, endpoint=endpoint)
    assert len(deliveries_send_due().sent) == 1
    [request] = receiver.received
    assert request.payload == {
        "type": "webhook.test",
        "timestamp": "2026-12-07T09:00:00Z",
        "data": {"endpoint_id": endpoint.pk, "message": "A test event from Relay."},
    }


@pytest.mark.django_db
def test_sending_costs_a_constant_number_of_queries_per_delivery(
    endpoint, django_assert_num_queries
):
    for n in range(3):
        emit("deal.won", {"id": n})
    # Per delivery: savepoint, claim, attempt, update, release; then one claim of nothing.
    with django_assert_num_queries(3 * 5 + 3):
        assert len(deliveries_send_due().sent) == 3


@pytest.fixture
def nul_server():
    """A receiver whose answer holds NUL bytes, which PostgreSQL text cannot store."""
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"bad\x00answer"
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_an_answer_with_nul_bytes_is_logged_not_a_crash(admin_user, allow_loopback, nul_server):
    services.endpoint_create(by=admin_user, url=nul_server, events=["deal.won"])
    emit("deal.won", {"id": 1})
    assert len(deliveries_send_due().retrying) == 1
    [attempt] = Attempt.objects.all()
    assert (attempt.status_code, attempt.response_body) == (500, "bad\ufffdanswer")
