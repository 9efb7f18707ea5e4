"""Webhooks in the admin: endpoints registered through the service (events as checkboxes,
private addresses refused on the form, the secret shown once), "Enable again", "Send a test
event"; deliveries read-only with their attempts, "Retry now"."""

import pytest
from django.urls import reverse

from records.events import emit
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, Status

pytestmark = pytest.mark.django_db

ADD = reverse("admin:webhooks_endpoint_add")
ENDPOINTS = reverse("admin:webhooks_endpoint_changelist")
DELIVERIES = reverse("admin:webhooks_delivery_changelist")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_add_form_has_a_checkbox_per_event_and_refuses_a_private_address(admin_client):
    page = admin_client.get(ADD).content.decode()
    assert page.count('type="checkbox" name="events"') == 7
    assert 'value="milestone.approved"' in page
    response = admin_client.post(ADD, {"url": "https://10.0.0.1/hook", "events": ["deal.won"]})
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["url"]
    assert message.startswith("10.0.0.1 is a private, loopback")
    assert not Endpoint.objects.exists()


def test_adding_shows_the_secret_once_then_only_masked(admin_client, admin_user, allow_loopback):
    response = admin_client.post(
        ADD,
        {"url": "http://127.0.0.1:9/hook", "events": ["deal.won", "task.done"]},
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert (endpoint.events, endpoint.created_by) == (["deal.won", "task.done"], admin_user)
    assert messages_of(response) == [
        f"Copy this endpoint's signing secret now; it is not shown again: {endpoint.secret}",
        f'The webhook endpoint “<a href="/admin/webhooks/endpoint/{endpoint.pk}/change/">'
        f"{endpoint.url}</a>” was added successfully.",
    ]
    change = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    text = change.content.decode()
    assert endpoint.secret not in text
    assert f"whsec_…{endpoint.secret[-4:]}" in text


def test_enable_again_and_send_a_test_event(admin_client, admin_user, allow_loopback, no_broker):
    endpoint = services.endpoint_create(
        by=admin_user, url="http://127.0.0.1:9/hook", events=["deal.won"]
    )
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason="10 failed attempts", consecutive_failures=10
    )
    body = {"_selected_action": [endpoint.pk], "post": "yes"}
    response = admin_client.post(ENDPOINTS, {**body, "action": "send_test_event"}, follow=True)
    assert messages_of(response) == [
        f"Not sent to {endpoint.url}: is_active: Enable this endpoint before testing it."
    ]
    response = admin_client.post(ENDPOINTS, {**body, "action": "enable_again"}, follow=True)
    assert messages_of(response) == [
        "Enabled 1 endpoint(s) again; their pending deliveries are due now."
    ]
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_reason) == (
        True,
        0,
        "",
    )
    response = admin_client.post(ENDPOINTS, {**body, "action": "send_test_event"}, follow=True)
    assert messages_of(response) == [
        "Queued a webhook.test event to 1 endpoint(s); see its deliveries."
    ]
    assert list(Delivery.objects.values_list("event_type", flat=True)) == ["webhook.test"]


def test_deliveries_are_read_only_with_their_attempts_and_can_be_retried(
    admin_client, admin_user, allow_loopback, no_broker
):
    endpoint = services.endpoint_create(
        by=admin_user, url="http://127.0.0.1:9/hook", events=["deal.won"]
    )
    emit("deal.won", {"id": 1})
    emit("deal.won", {"id": 2})
    failed, sent = Delivery.objects.order_by("pk")
    Delivery.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=8)
    Delivery.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=sent.created_at)
    Attempt.objects.create(delivery=failed, status_code=502, response_body="Bad gateway here")
    change = reverse("admin:webhooks_delivery_change", args=[failed.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and "Bad gateway here" in page.content.decode()
    assert admin_client.post(change, {"status": "sent"}).status_code == 403
    delete = reverse("admin:webhooks_delivery_delete", args=[failed.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        DELIVERIES,
        {"action": "retry_now", "_selected_action": [failed.pk, sent.pk], "post": "yes"},
        follow=True,
    )
    assert messages_of(response) == [
        "Queued 1 delivery(ies) to send now.",
        "Skipped 1 delivery(ies) already sent; they are never sent again.",
    ]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert endpoint.deliveries.filter(status=Status.SENT).count() == 1


def test_deleting_an_endpoint_in_the_admin_goes_through_the_service(
    admin_client, admin_user, allow_loopback
):
    endpoint = services.endpoint_create(
        by=admin_user, url="http://127.0.0.1:9/hook", events=["deal.won"]
    )
    delete = reverse("admin:webhooks_endpoint_delete", args=[endpoint.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Endpoint.objects.exists()


def test_other_roles_are_sent_to_the_admin_sign_in(client, rep):
    client.force_login(rep)
    response = client.get(ENDPOINTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
