"""The sender: delivery, headers, retries with backoff, and the management command."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from reminders import emails
from reminders.models import Kind, OutboxEmail, Status
from reminders.services import MAX_ATTEMPTS, backoff, outbox_send_due, reminders_plan
from reminders.tasks import plan_reminders, send_outbox
from reminders.tests.conftest import at
from reminders.tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db

NOW = at(2025, 3, 10, 8)


@pytest.fixture
def overdue(rep):
    return DealFactory.create(
        owner=rep,
        company=CompanyFactory.create(name="Acme"),
        title="Website",
        next_action_due_date=dt.date(2025, 3, 7),
    )


def test_a_planned_digest_is_sent_with_text_html_and_unsubscribe_headers(
    rep, overdue, time_machine
):
    time_machine.move_to(NOW, tick=False)
    reminders_plan()
    report = outbox_send_due()

    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["rep@example.com"]
    assert message.from_email == "Relay <relay@localhost>"
    assert message.subject == "Relay: 1 overdue next action"
    assert f"http://127.0.0.1:8000/deals/{overdue.pk}/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'<a href="http://127.0.0.1:8000/deals/{overdue.pk}/">Website</a>' in str(html)
    key = f"next_actions:{rep.pk}:2025-03-10"
    prefix, token, suffix = message.extra_headers["List-Unsubscribe"].rsplit("/", 2)
    assert (prefix, suffix) == ("<http://127.0.0.1:8000/reminders/unsubscribe", ">")
    assert emails.read_unsubscribe_token(token) == (rep.pk, Kind.NEXT_ACTIONS)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["X-Relay-Idempotency-Key"] == key
    assert message.extra_headers["Message-ID"] == emails.message_id(key)
    assert emails.message_id(key).endswith("@127.0.0.1>")

    email = OutboxEmail.objects.get()
    assert [e.pk for e in report.sent] == [email.pk]
    assert (email.status, email.attempts, email.sent_at, email.last_error) == (
        Status.SENT,
        1,
        NOW,
        "",
    )


def test_sending_twice_sends_once(rep, overdue, time_machine):
    time_machine.move_to(NOW, tick=False)
    reminders_plan()
    outbox_send_due()
    assert outbox_send_due().sent == []
    assert len(mail.outbox) == 1


def test_the_tasks_run_twice_send_one_email(rep, overdue, time_machine, no_broker):
    time_machine.move_to(NOW, tick=False)
    assert (plan_reminders(), plan_reminders()) == (1, 0)
    assert no_broker == ["send_outbox"]
    assert (send_outbox(), send_outbox()) == (1, 0)
    assert len(mail.outbox) == 1


def test_a_batch_that_leaves_work_queues_a_follow_up(rep, other_rep, time_machine, no_broker):
    time_machine.move_to(NOW, tick=False)
    DealFactory.create(owner=rep, next_action_due_date=dt.date(2025, 3, 7))
    DealFactory.create(owner=other_rep, next_action_due_date=dt.date(2025, 3, 7))
    reminders_plan()
    report = outbox_send_due(limit=1)
    assert (len(report.sent), report.more) == (1, True)
    report = outbox_send_due(limit=1)
    assert (len(report.sent), report.more) == (1, False)


def test_only_due_rows_are_sent(rep, time_machine):
    time_machine.move_to(NOW, tick=False)
    later = OutboxEmail.objects.create(
        recipient=rep,
        to_address=rep.email,
        kind=Kind.NEXT_ACTIONS,
        idempotency_key="later",
        subject="later",
        body_text="later",
        next_attempt_at=NOW + dt.timedelta(seconds=1),
    )
    assert outbox_send_due().sent == []
    time_machine.move_to(later.next_attempt_at, tick=False)
    assert [e.idempotency_key for e in outbox_send_due().sent] == ["later"]


def test_backoff_doubles_from_one_minute_up_to_two_hours():
    assert [backoff(n) for n in (1, 2, 3, 4, 5, 8, 20)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
        dt.timedelta(minutes=8),
        dt.timedelta(minutes=16),
        dt.timedelta(minutes=120),
        dt.timedelta(minutes=120),
    ]


def test_an_smtp_failure_is_retried_with_backoff(rep, overdue, time_machine, flaky_mailer):
    time_machine.move_to(NOW, tick=False)
    reminders_plan()
    flaky_mailer.failures_left = 2

    report = outbox_send_due()
    email = OutboxEmail.objects.get()
    assert (len(report.sent), len(report.retrying)) == (0, 1)
    assert (email.status, email.attempts, email.next_attempt_at) == (
        Status.PENDING,
        1,
        NOW + dt.timedelta(minutes=1),
    )
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert flaky_mailer.closed >= 1

    # Not due yet: nothing is attempted.
    time_machine.move_to(NOW + dt.timedelta(seconds=59), tick=False)
    assert outbox_send_due().retrying == []

    time_machine.move_to(NOW + dt.timedelta(minutes=1), tick=False)
    outbox_send_due()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (
        Status.PENDING,
        2,
        NOW + dt.timedelta(minutes=3),
    )

    time_machine.move_to(NOW + dt.timedelta(minutes=3), tick=False)
    assert len(outbox_send_due().sent) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at) == (
        Status.SENT,
        3,
        NOW + dt.timedelta(minutes=3),
    )
    assert len(mail.outbox) == 1


def test_an_email_that_keeps_failing_is_marked_failed(rep, overdue, time_machine, flaky_mailer):
    time_machine.move_to(NOW, tick=False)
    reminders_plan()
    flaky_mailer.failures_left = 100
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        time_machine.move_to(moment, tick=False)
        outbox_send_due()
        moment = OutboxEmail.objects.get().next_attempt_at
    email = OutboxEmail.objects.get()
    assert (email.status, email.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    time_machine.move_to(moment + dt.timedelta(days=1), tick=False)
    assert outbox_send_due().sent == []
    assert mail.outbox == []


def test_one_failing_address_does_not_hold_up_the_others(
    rep, other_rep, time_machine, flaky_mailer
):
    time_machine.move_to(NOW, tick=False)
    DealFactory.create(owner=rep, next_action_due_date=dt.date(2025, 3, 7))
    DealFactory.create(owner=other_rep, next_action_due_date=dt.date(2025, 3, 7))
    reminders_plan()
    flaky_mailer.failures_left = 1
    report = outbox_send_due()
    assert [e.to_address for e in report.retrying] == ["rep@example.com"]
    assert [e.to_address for e in report.sent] == ["other_rep@example.com"]


def test_send_reminders_command_prints_what_it_sent_and_nothing_the_second_time(
    rep, overdue, time_machine
):
    time_machine.move_to(NOW, tick=False)
    out = call_command_output()
    key = f"next_actions:{rep.pk}:2025-03-10"
    assert out == (
        "Planned 1 new reminder email(s).\n"
        f"sent next_actions to rep@example.com: Relay: 1 overdue next action [{key}]\n"
        "Sent 1 email(s).\n"
    )
    assert call_command_output() == "Planned 0 new reminder email(s).\nSent 0 email(s).\n"
    assert len(mail.outbox) == 1


def test_send_reminders_reports_a_retry(rep, overdue, time_machine, flaky_mailer):
    time_machine.move_to(NOW, tick=False)
    flaky_mailer.failures_left = 1
    key = f"next_actions:{rep.pk}:2025-03-10"
    assert call_command_output() == (
        "Planned 1 new reminder email(s).\n"
        f"will retry {key} at 2025-03-10 08:01 UTC: "
        "SMTPServerDisconnected: Connection unexpectedly closed\n"
        "Sent 0 email(s).\n"
    )


def call_command_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", stdout=out, no_color=True)
    return out.getvalue()


def test_a_second_planner_run_costs_the_same_few_queries_however_many_users(
    time_machine, django_assert_num_queries
):
    time_machine.move_to(NOW, tick=False)
    for n in range(5):
        DealFactory.create(
            owner=UserFactory.create(username=f"u{n}"), next_action_due_date=dt.date(2025, 3, 7)
        )
    assert len(reminders_plan()) == 5
    # Users, their groups, today's existing keys; "who has anything" for next actions (the
    # companies' owners have no digest yet), tasks and approvals; new mentions; new password
    # reset requests.
    with django_assert_num_queries(8):
        assert reminders_plan() == []
    for n in range(5, 10):
        owner = UserFactory.create(username=f"u{n}")
        DealFactory.create(owner=owner, next_action_due_date=dt.date(2025, 3, 7))
    assert len(reminders_plan()) == 5
    with django_assert_num_queries(8):
        assert reminders_plan() == []


def test_sending_costs_a_constant_number_of_queries_per_email(
    time_machine, django_assert_num_queries
):
    time_machine.move_to(NOW, tick=False)
    for n in range(3):
        DealFactory.create(
            owner=UserFactory.create(username=f"u{n}"), next_action_due_date=dt.date(2025, 3, 7)
        )
    reminders_plan()
    # Per email: savepoint, claim, update, release; then one claim that finds nothing.
    with django_assert_num_queries(3 * 4 + 3):
        assert len(outbox_send_due().sent) == 3


def test_the_unsubscribe_header_goes_on_the_wire_as_a_plain_url(rep, overdue, time_machine):
    """Folded at 78 characters, the long URL would become an RFC 2047 encoded word."""
    import email.policy

    from reminders.emails import build_message

    time_machine.move_to(NOW, tick=False)
    [row] = reminders_plan()
    wire = build_message(row).message(policy=email.policy.SMTP).as_bytes()
    header = f"List-Unsubscribe: {row.headers['List-Unsubscribe']}\r\n".encode()
    assert row.headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/reminders/")
    assert len(header) > 78
    assert header in wire
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire
