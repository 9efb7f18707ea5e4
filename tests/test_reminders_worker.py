"""Reminders end to end: a real Celery worker on Redis and a real SMTP server on loopback.

The worker is a separate process, so it runs at the real current time. The users' time zones
are chosen so that it is about noon for them now: the daily digests (from 07:00 local) and
the weekly digest (from Monday 07:00 local) are due, whatever time the suite runs.
"""

import asyncio
import datetime as dt
import email
import email.policy
import socket
import threading
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Stage
from projects.models import Comment, Mention, ProjectStatus
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory
from reminders.models import Kind, OutboxEmail, Status
from reminders.services import reminders_plan
from reminders.tasks import plan_mentions, plan_reminders, send_outbox
from reminders.tests.factories import CompanyFactory, DealFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT = 120


class RecordingSMTPHandler:
    """Records every message it accepts; can hold one recipient's RCPT until released."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.lock = threading.Lock()
        self.hold_rcpt: str | None = None
        self.hold_after_data: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.hold_rcpt and not self.release.is_set():
            # The sender is now waiting for our answer, mid-conversation, with its outbox row
            # locked: the moment the fault test kills it. No message has been accepted.
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.raw.append(envelope.original_content or envelope.content)
        if self.hold_after_data in envelope.rcpt_tos and not self.release.is_set():
            # Stored, but the sender has not yet had our 250: the documented window.
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"

    def keys(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["X-Relay-Idempotency-Key"]) for m in self.messages)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingSMTPHandler, int]]:
    handler = RecordingSMTPHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.release.set()
    controller.stop()


@pytest.fixture
def worker(celery_worker_process, smtp):
    _, port = smtp
    celery_worker_process.extra_env["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    return celery_worker_process


def wait_until(condition: Callable[[], bool], worker, what: str) -> None:
    """Wait for a condition the worker brings about; fail with its log after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            print(worker.log())
            pytest.fail(f"Timed out waiting for {what}.")
        time.sleep(0.05)


def noon_zone() -> str:
    """An Etc/GMT zone in which it is now between 11:00 and 13:00."""
    offset = 12 - timezone.now().hour  # hours east of UTC; -11 .. +12
    return "Etc/GMT" + ("-" if offset >= 0 else "+") + str(abs(offset))  # POSIX signs


def overdue_date(zone: str) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date() - dt.timedelta(days=3)


def unlocked(pk: int) -> bool:
    """True once no transaction holds the row (a killed worker's is rolled back)."""
    try:
        with transaction.atomic():
            OutboxEmail.objects.select_for_update(nowait=True).get(pk=pk)
    except DatabaseError:
        return False
    return True


def all_sent() -> bool:
    return not OutboxEmail.objects.exclude(status=Status.SENT).exists()


def test_digests_arrive_through_a_real_worker_and_smtp_and_a_second_run_sends_nothing(worker, smtp):
    handler, _ = smtp
    zone = noon_zone()
    rep = UserFactory.create(username="rep", role=Role.SALES_REP, time_zone=zone)
    manager = UserFactory.create(username="manager", role=Role.SALES_MANAGER, time_zone=zone)
    lead = UserFactory.create(username="lead", role=Role.DELIVERY_LEAD, time_zone=zone)
    member = UserFactory.create(username="member", role=Role.DELIVERY_MEMBER, time_zone=zone)
    acme = CompanyFactory.create(name="Acme")
    deal = DealFactory.create(
        owner=rep, company=acme, title="Website", next_action_due_date=overdue_date(zone)
    )
    DealFactory.create(
        owner=rep,
        company=acme,
        title="Fine",
        stage=Stage.PROPOSAL,
        next_action_due_date=overdue_date(zone) + dt.timedelta(days=30),
    )
    project = ProjectFactory.create(
        name="Acme site", delivery_lead=lead, status=ProjectStatus.ACTIVE
    )
    task = TaskFactory.create(
        project=project, title="Wireframes", assignee=member, planned_finish=overdue_date(zone)
    )
    MilestoneFactory.create(project=project, name="Design", requires_approval=True, approver=lead)
    comment = Comment.objects.create(task=task, author=lead, body="@member please look")
    mention = Mention.objects.create(comment=comment, user=member)

    worker.start()
    plan_reminders.delay()
    wait_until(lambda: handler.count() >= 5 and all_sent(), worker, "five emails")

    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date().isoformat()
    year, week, _ = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).isocalendar()
    assert handler.keys() == Counter(
        [
            f"next_actions:{rep.pk}:{today}",
            f"stale_deals:{manager.pk}:{year}-W{week:02d}",
            f"tasks:{member.pk}:{today}",
            f"approvals:{lead.pk}:{today}",
            f"mention:{mention.pk}",
        ]
    )
    received = sorted((str(m["To"]), str(m["Subject"])) for m in handler.messages)
    assert received == [
        ("lead@example.com", "Relay: 1 milestone awaits your approval"),
        ("manager@example.com", f"Relay: 1 stale deal, week {year}-W{week:02d}"),
        ("member@example.com", "Relay: 1 overdue task"),
        ("member@example.com", f"Relay: {lead.display_name} mentioned you on “Wireframes”"),
        ("rep@example.com", "Relay: 1 overdue next action"),
    ]
    [digest] = [m for m in handler.messages if m["To"] == "rep@example.com"]
    assert str(digest["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(digest["List-Unsubscribe"]).startswith(
        "<http://127.0.0.1:8000/reminders/unsubscribe/"
    )
    # On the wire as a plain URL (not an RFC 2047 encoded word), so mail clients can use it.
    assert all(b"\r\nList-Unsubscribe: <http://127.0.0.1:8000/" in raw for raw in handler.raw)
    text = digest.get_body(preferencelist=("plain",)).get_content()
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert f"http://127.0.0.1:8000/deals/{deal.pk}/" in text
    assert f'<a href="http://127.0.0.1:8000/deals/{deal.pk}/">Website</a>' in html

    # The second run: the planners find every key and the sender finds nothing due.
    assert plan_reminders.apply_async(ignore_result=False).get(timeout=TIMEOUT) == 0
    assert plan_mentions.apply_async(ignore_result=False).get(timeout=TIMEOUT) == 0
    assert send_outbox.apply_async(ignore_result=False).get(timeout=TIMEOUT) == 0
    assert handler.count() == 5
    assert OutboxEmail.objects.count() == 5


def test_a_worker_killed_mid_batch_and_restarted_sends_every_email_exactly_once(worker, smtp):
    """SIGKILL while the sender waits on the SMTP server for the 4th of 8 emails.

    The 4th row is locked by the dying worker's open transaction; the kill drops its database
    connection, PostgreSQL rolls back and the row is pending again. No SMTP server accepted
    it, so the restarted worker sends it once. This crash point is outside the documented
    duplicate window (after the server's 250, before the commit), so exactly once holds.
    """
    handler, _ = smtp
    zone = noon_zone()
    users = [
        UserFactory.create(username=f"rep{n}", role=Role.SALES_REP, time_zone=zone)
        for n in range(8)
    ]
    for user in users:
        DealFactory.create(owner=user, next_action_due_date=overdue_date(zone))
    batch = reminders_plan()
    assert [e.recipient for e in batch] == users
    keys = [e.idempotency_key for e in batch]
    handler.hold_rcpt = "rep3@example.com"

    worker.start()
    send_outbox.delay()
    if not handler.holding.wait(TIMEOUT):
        print(worker.log())
        pytest.fail("The worker never reached the 4th email.")

    # Mid-batch: three sent and committed, the fourth in flight under a row lock.
    assert handler.keys() == Counter(keys[:3])
    assert sorted(
        OutboxEmail.objects.filter(status=Status.SENT).values_list("idempotency_key", flat=True)
    ) == sorted(keys[:3])
    with transaction.atomic():
        in_flight = OutboxEmail.objects.select_for_update(skip_locked=True).filter(
            idempotency_key=keys[3]
        )
        assert list(in_flight) == []

    worker.kill()
    handler.release.set()

    # The killed transaction rolls back: the row is lockable again, pending, attempt uncounted.
    fourth = OutboxEmail.objects.get(idempotency_key=keys[3])
    wait_until(lambda: unlocked(fourth.pk), worker, "the killed transaction to roll back")
    fourth.refresh_from_db()
    assert (fourth.status, fourth.attempts, fourth.sent_at) == (Status.PENDING, 0, None)

    worker.start()
    send_outbox.delay()  # beat's every-minute sweep
    wait_until(all_sent, worker, "every email to be sent")

    assert handler.keys() == Counter(keys)  # each key exactly once
    assert handler.count() == 8
    assert (
        list(OutboxEmail.objects.order_by("pk").values_list("status", "attempts"))
        == [(Status.SENT, 1)] * 8
    )


def test_a_kill_inside_the_documented_window_duplicates_only_that_email_with_its_message_id(
    worker, smtp
):
    """The one duplicate window: the server has the message, the row is not yet marked sent.

    The handler stores the 2nd email and withholds its 250 until the worker is SIGKILLed,
    so the kill lands inside the window. That email (and only it) arrives twice, both copies
    with the same Message-ID, which mail stores use to collapse duplicates.
    """
    handler, _ = smtp
    zone = noon_zone()
    users = [
        UserFactory.create(username=f"rep{n}", role=Role.SALES_REP, time_zone=zone)
        for n in range(4)
    ]
    for user in users:
        DealFactory.create(owner=user, next_action_due_date=overdue_date(zone))
    keys = [e.idempotency_key for e in reminders_plan()]
    handler.hold_after_data = "rep1@example.com"

    worker.start()
    send_outbox.delay()
    if not handler.holding.wait(TIMEOUT):
        print(worker.log())
        pytest.fail("The worker never reached the 2nd email.")
    worker.kill()
    handler.release.set()
    second = OutboxEmail.objects.get(idempotency_key=keys[1])
    wait_until(lambda: unlocked(second.pk), worker, "the killed transaction to roll back")
    second.refresh_from_db()
    assert (second.status, second.attempts) == (Status.PENDING, 0)

    worker.start()
    send_outbox.delay()
    wait_until(all_sent, worker, "every email to be sent")

    assert handler.keys() == Counter({keys[0]: 1, keys[1]: 2, keys[2]: 1, keys[3]: 1})
    copies = [m for m in handler.messages if m["X-Relay-Idempotency-Key"] == keys[1]]
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_concurrent_senders_share_a_batch_without_sending_anything_twice(worker, smtp):
    """Three worker processes and three sender tasks over 30 emails: SKIP LOCKED splits them."""
    handler, _ = smtp
    zone = noon_zone()
    for n in range(30):
        user = UserFactory.create(username=f"member{n}", time_zone=zone)
        DealFactory.create(owner=user, next_action_due_date=overdue_date(zone))
    keys = [e.idempotency_key for e in reminders_plan()]
    assert len(keys) == 30

    worker.concurrency = 3
    worker.start()
    for _ in range(3):
        send_outbox.delay()
    wait_until(all_sent, worker, "every email to be sent")

    assert handler.keys() == Counter(keys)
    assert set(OutboxEmail.objects.values_list("kind", "attempts")) == {(Kind.NEXT_ACTIONS, 1)}
