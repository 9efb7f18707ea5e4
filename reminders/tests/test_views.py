"""Preferences page, one-click unsubscribe, and the outbox admin."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from reminders import emails
from reminders.models import Kind, OutboxEmail, ReminderPreference, Status
from reminders.services import preferences_update

pytestmark = pytest.mark.django_db

URL = "/reminders/preferences/"


def test_preferences_url_is_under_reminders():
    assert reverse("reminders:preferences") == URL


def test_preferences_page_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_preferences_page_shows_a_reps_reminders_on_by_default(client, rep):
    client.force_login(rep)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert {name: form[name].value() for name in form.fields} == {
        "next_actions": True,
        "approvals": True,
        "mentions": True,
    }
    assert not ReminderPreference.objects.exists()


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (Role.SALES_REP, ["next_actions", "approvals", "mentions"]),
        (Role.SALES_MANAGER, ["next_actions", "approvals", "stale_deals", "mentions"]),
        (Role.DELIVERY_LEAD, ["tasks", "approvals", "mentions"]),
        (Role.DELIVERY_MEMBER, ["tasks", "approvals", "mentions"]),
        (Role.ADMIN, list(Kind.values)),
    ],
)
def test_each_role_is_offered_the_reminders_that_can_reach_it(client, role, offered):
    client.force_login(UserFactory(role=role))
    page = client.get(URL)
    assert list(page.context["form"].fields) == offered
    shown = re.findall(r'name="([a-z_]+)" id="id_', page.content.decode())
    assert shown == offered


def test_saving_preferences_turns_unchecked_reminders_off(client, rep):
    client.force_login(rep)
    response = client.post(URL, {"next_actions": "on", "mentions": "on"})
    assert response.status_code == 302
    assert response["Location"] == URL
    preference = ReminderPreference.objects.get(user=rep)
    assert {kind: preference.wants(kind) for kind in Kind.values} == {
        "next_actions": True,
        "tasks": True,  # not offered to a rep: left as it was
        "approvals": False,
        "stale_deals": True,  # not offered to a rep: left as it was
        "mentions": True,
    }


def test_unchecking_every_box_turns_every_offered_reminder_off(client, rep):
    client.force_login(rep)
    response = client.post(URL, {})
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=rep)
    assert [preference.wants(kind) for kind in Kind.values] == [False, True, False, True, False]


def test_only_the_user_changes_their_preferences(rep, manager):
    with pytest.raises(PermissionDenied):
        preferences_update(user=rep, by=manager, next_actions=False)
    assert not ReminderPreference.objects.exists()


def unsubscribe_path(user_id: int, kind: str) -> str:
    return emails.unsubscribe_url(user_id=user_id, kind=kind).removeprefix("http://127.0.0.1:8000")


def test_unsubscribe_link_asks_first_without_sign_in(rep):
    response = Client().get(unsubscribe_path(rep.pk, Kind.NEXT_ACTIONS))
    assert response.status_code == 200
    assert response.context["done"] is False
    assert b"Stop sending" in response.content
    assert not ReminderPreference.objects.exists()


def test_one_click_unsubscribe_post_works_without_session_or_csrf_token(rep):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        unsubscribe_path(rep.pk, Kind.STALE_DEALS), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert response.context["done"] is True
    preference = ReminderPreference.objects.get(user=rep)
    assert (preference.stale_deals, preference.next_actions, preference.mentions) == (
        False,
        True,
        True,
    )


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "WzEsIm5leHRfYWN0aW9ucyJd:1xWWe2:forged",
    ],
)
def test_a_bad_unsubscribe_token_is_not_found(rep, token):
    response = Client().post(f"/reminders/unsubscribe/{token}/")
    assert response.status_code == 404
    assert not ReminderPreference.objects.exists()


def test_a_token_for_an_unknown_kind_is_not_found(rep):
    from django.core import signing

    token = signing.dumps([rep.pk, "everything"], salt=emails.UNSUBSCRIBE_SALT)
    assert Client().post(f"/reminders/unsubscribe/{token}/").status_code == 404


def test_a_token_of_a_deactivated_user_is_not_found(rep):
    path = unsubscribe_path(rep.pk, Kind.NEXT_ACTIONS)
    rep.is_active = False
    rep.save()
    assert Client().post(path).status_code == 404


# --- Admin ----------------------------------------------------------------------------


def outbox(rep, key: str, status: str, attempts: int) -> OutboxEmail:
    return OutboxEmail.objects.create(
        recipient=rep,
        to_address=rep.email,
        kind=Kind.NEXT_ACTIONS,
        idempotency_key=key,
        subject=key,
        body_text=key,
        status=status,
        attempts=attempts,
        last_error="SMTPServerDisconnected: gone" if status == Status.FAILED else "",
        sent_at=None if status != Status.SENT else "2025-03-10T08:00:00Z",
    )


def test_admin_lists_the_outbox_with_status_and_error(client, admin_user, rep):
    outbox(rep, "failed-one", Status.FAILED, 6)
    client.force_login(admin_user)
    response = client.get("/admin/reminders/outboxemail/?status__exact=failed")
    assert response.status_code == 200
    assert b"failed-one" in response.content
    assert b"SMTPServerDisconnected: gone" in response.content


def test_admin_retry_requeues_failed_emails_and_never_resends_sent_ones(
    client, admin_user, rep, django_capture_on_commit_callbacks, no_broker
):
    failed = outbox(rep, "failed-one", Status.FAILED, 6)
    sent = outbox(rep, "sent-one", Status.SENT, 1)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/reminders/outboxemail/",
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Queued 1 email(s) to send again.",
        "Skipped 1 email(s) already sent; they are never resent.",
    ]
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert (sent.status, sent.attempts) == (Status.SENT, 1)
    assert no_broker == ["send_outbox"]


def test_admin_outbox_is_read_only(client, admin_user, rep):
    email = outbox(rep, "k", Status.PENDING, 0)
    client.force_login(admin_user)
    assert client.get("/admin/reminders/outboxemail/add/").status_code == 403
    response = client.post(
        f"/admin/reminders/outboxemail/{email.pk}/change/", {"status": Status.SENT}
    )
    assert response.status_code == 403
    email.refresh_from_db()
    assert email.status == Status.PENDING


def test_the_outbox_admin_is_for_staff_only(client, rep):
    client.force_login(rep)
    response = client.get("/admin/reminders/outboxemail/")
    assert response.status_code == 302
