"""The outbox admin: history is read-only, and "Retry" answers a message even when the task
queue cannot be reached (its change is committed; the sweep sends the emails later)."""

import socket

import pytest
from django.urls import reverse

from accounts.services import password_reset_request
from reminders import tasks
from reminders.models import Kind, OutboxEmail, ReminderPreference, Status
from reminders.services import password_resets_plan

CHANGELIST = "/admin/reminders/outboxemail/"


def outbox(user, key: str, status: str) -> OutboxEmail:
    return OutboxEmail.objects.create(
        recipient=user,
        to_address=user.email,
        kind=Kind.NEXT_ACTIONS,
        idempotency_key=key,
        subject=key,
        body_text=key,
        status=status,
        attempts=6 if status == Status.FAILED else 1,
        sent_at="2025-03-10T08:00:00Z" if status == Status.SENT else None,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def broker_down(monkeypatch):
    """The real ``send_outbox.delay`` (not the autouse recorder), against a closed port."""
    app = tasks.send_outbox.app
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.delattr(tasks.send_outbox, "delay")
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setitem(app.conf, "broker_write_url", f"redis://127.0.0.1:{port}/0")
    app._after_fork()  # drop the pooled connections to the real broker
    yield
    app._after_fork()


@pytest.mark.django_db(transaction=True)
def test_retry_answers_a_message_when_the_broker_is_down_and_keeps_the_change(
    client, admin_user, rep, broker_down
):
    """The defect: the enqueue after commit raised kombu's OperationalError, a 500."""
    failed = outbox(rep, "failed-one", Status.FAILED)
    client.raise_request_exception = False
    client.force_login(admin_user)
    response = client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )
    assert response.status_code == 200
    assert messages_of(response) == [
        "Queued 1 email(s) to send again. The task queue cannot be reached right now; "
        "they will be sent by the next outbox sweep once it is back."
    ]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)


@pytest.mark.django_db(transaction=True)
def test_retry_with_the_broker_up_says_queued(client, admin_user, rep, no_broker):
    failed = outbox(rep, "failed-one", Status.FAILED)
    client.force_login(admin_user)
    response = client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )
    assert messages_of(response) == ["Queued 1 email(s) to send again."]
    assert no_broker == ["send_outbox"]


@pytest.mark.django_db
def test_sent_emails_are_history_never_changed_or_deleted(client, admin_user, rep):
    sent = outbox(rep, "sent-one", Status.SENT)
    client.force_login(admin_user)
    response = client.get(CHANGELIST)
    assert [name for name, _ in response.context["action_form"].fields["action"].choices] == [
        "",
        "retry",
    ]
    change = reverse("admin:reminders_outboxemail_change", args=[sent.pk])
    assert client.get(change).status_code == 200  # viewable
    assert client.post(change, {"status": Status.PENDING}).status_code == 403
    delete = reverse("admin:reminders_outboxemail_delete", args=[sent.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [sent.pk], "post": "yes"}
    )
    assert response.status_code == 302  # "No action selected."
    sent.refresh_from_db()
    assert (sent.status, OutboxEmail.objects.count()) == (Status.SENT, 1)


@pytest.mark.django_db
def test_reminder_preferences_are_only_read_in_the_admin(client, admin_user, rep):
    preference = ReminderPreference.objects.create(user=rep, mentions=False)
    client.force_login(admin_user)
    delete = reverse("admin:reminders_reminderpreference_delete", args=[preference.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get("/admin/reminders/reminderpreference/").context["action_form"] is None
    assert ReminderPreference.objects.get().mentions is False


@pytest.mark.django_db
def test_the_outbox_admin_does_not_show_a_password_reset_link(client, admin_user, rep):
    password_reset_request(email="rep@example.com", ip_address=None)
    [email] = password_resets_plan()
    client.force_login(admin_user)
    response = client.get(reverse("admin:reminders_outboxemail_change", args=[email.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "/accounts/reset/" not in html
    assert "(Not shown: it holds a link that sets this user&#x27;s password.)" in html
