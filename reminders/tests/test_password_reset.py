"""Password reset links go out through the outbox: accounts records the (throttled) request,
the every-minute planner writes the email with its link, the sender delivers it once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import PasswordResetRequest
from accounts.services import password_reset_request
from reminders import tasks
from reminders.models import OutboxEmail, ReminderPreference, Status, Transactional
from reminders.services import password_resets_plan, reminders_plan

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-pass-42"


def link_in(message) -> str:
    line = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    return line.strip().removeprefix("http://127.0.0.1:8000")


def test_twelve_requests_send_three_emails_each_through_the_outbox_once(client, rep, no_broker):
    for _ in range(12):
        response = client.post(
            reverse("accounts:password-reset"),
            {"email": "rep@example.com"},
            REMOTE_ADDR="192.0.2.7",
        )
        assert (response.status_code, response["Location"]) == (
            302,
            "/accounts/password-reset/sent/",
        )
    assert mail.outbox == []  # nothing is sent inside a request
    # The every-minute beat task that plans mentions plans these too, once.
    assert (tasks.plan_mentions(), tasks.plan_mentions()) == (3, 0)
    assert no_broker == ["send_outbox"]
    rows = list(OutboxEmail.objects.order_by("pk"))
    ids = PasswordResetRequest.objects.filter(user=rep).order_by("pk").values_list("pk", flat=True)
    assert [row.idempotency_key for row in rows] == [f"password_reset:{pk}" for pk in ids]
    assert {(row.kind, row.to_address, row.status) for row in rows} == {
        (Transactional.PASSWORD_RESET, "rep@example.com", Status.PENDING)
    }
    assert (tasks.send_outbox(), tasks.send_outbox()) == (3, 0)
    assert len(mail.outbox) == 3
    assert {m.subject for m in mail.outbox} == {"Reset your Relay password"}
    assert {tuple(m.to) for m in mail.outbox} == {("rep@example.com",)}


def test_the_emailed_link_sets_a_new_password_and_the_other_links_stop_working(rep):
    for _ in range(2):
        password_reset_request(email="rep@example.com", ip_address="192.0.2.7")
    password_resets_plan()
    tasks.send_outbox()
    first, second = (link_in(m) for m in mail.outbox)
    client = Client()
    response = client.get(first, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (response.status_code, response["Location"]) == (302, "/accounts/reset/done/")
    rep.refresh_from_db()
    assert rep.check_password(NEW_PASSWORD)
    for used in (first, second):
        again = Client().get(used, follow=True)
        assert "This link no longer works" in again.content.decode()


def test_the_email_is_not_a_reminder_no_unsubscribe_and_no_preference_stops_it(rep):
    ReminderPreference.objects.create(
        user=rep,
        next_actions=False,
        tasks=False,
        approvals=False,
        stale_deals=False,
        mentions=False,
    )
    password_reset_request(email="rep@example.com", ip_address=None)
    [email] = password_resets_plan()
    assert email.headers == {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    assert "unsubscribe" not in email.body_text.lower()
    assert "unsubscribe" not in email.body_html.lower()
    assert "/accounts/reset/" in email.body_html
    assert email.body_text.startswith(f"Hello {rep.display_name},\n")
    tasks.send_outbox()
    [message] = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert message.extra_headers["X-Relay-Idempotency-Key"] == email.idempotency_key


def test_no_email_for_a_refused_or_unknown_request(rep):
    password_reset_request(email="ghost@example.com", ip_address=None)
    assert password_resets_plan() == []
    assert not OutboxEmail.objects.exists()


def test_a_request_older_than_an_hour_is_not_sent_any_more(rep):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        password_reset_request(email="rep@example.com", ip_address=None)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC), tick=False):
        assert password_resets_plan() == []
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 59, tzinfo=dt.UTC), tick=False):
        assert len(password_resets_plan()) == 1


def test_no_email_once_the_user_was_deactivated_or_lost_their_password(rep):
    password_reset_request(email="rep@example.com", ip_address=None)
    rep.set_unusable_password()
    rep.save()
    assert password_resets_plan() == []
    rep.is_active = False
    rep.save()
    assert password_resets_plan() == []


def test_send_reminders_plans_them_too(rep):
    password_reset_request(email="rep@example.com", ip_address=None)
    assert [e.kind for e in reminders_plan()] == [Transactional.PASSWORD_RESET]
