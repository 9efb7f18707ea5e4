"""/api/v1/webhooks: admins only (403 for every other role), 404 for an unknown id, the
secret in the create answer only, 422 naming ``url`` for a private address, the delivery
log; constant queries on the lists."""

import json

import pytest
from django.test import Client

from accounts.services import api_token_create
from records.events import EVENT_TYPES, emit
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        _, raw = api_token_create(user=user)
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def get(self, path):
        return self.client.get(f"/api/v1/{path}")

    def post(self, path, body):
        return self.client.post(
            f"/api/v1/{path}", json.dumps(body), content_type="application/json"
        )

    def delete(self, path):
        return self.client.delete(f"/api/v1/{path}")


@pytest.fixture
def hook(admin_user, allow_loopback):
    return services.endpoint_create(
        by=admin_user, url="http://127.0.0.1:9/hook", events=["deal.won"], description="Billing"
    )


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(admin_user, allow_loopback):
    api = Api(admin_user)
    response = api.post(
        "webhooks", {"url": "http://127.0.0.1:8001/in", "events": ["task.done", "deal.won"]}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = Endpoint.objects.get()
    assert body == {
        "id": endpoint.pk,
        "url": "http://127.0.0.1:8001/in",
        "events": ["deal.won", "task.done"],  # in the order of EVENT_TYPES
        "description": "",
        "is_active": True,
        "disabled_at": None,
        "disabled_reason": "",
        "consecutive_failures": 0,
        "created_at": body["created_at"],
        "version": 1,
        "secret": endpoint.secret,
    }
    assert body["secret"].startswith("whsec_") and len(body["secret"]) == 6 + 44
    assert endpoint.created_by == admin_user
    listed = api.get("webhooks").json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert endpoint.secret not in json.dumps(listed)


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1/x", "https://127.0.0.1/x", "https://[::1]/x", "https://localhost/x"]
)
def test_a_private_address_is_422_naming_url(admin_user, url):
    response = Api(admin_user).post("webhooks", {"url": url, "events": ["deal.won"]})
    assert response.status_code == 422
    [message] = response.json()["errors"]["url"]
    assert "is a private, loopback or otherwise non-public address" in message
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"url": "http://127.0.0.1/x", "events": ["deal.burned"]}, 400, "events"),
        ({"url": "http://127.0.0.1/x", "events": []}, 400, "events"),
        ({"url": "http://127.0.0.1/x"}, 400, "events"),
        ({"url": "not a url", "events": ["deal.won"]}, 422, "url"),
        ({"url": "http://127.0.0.1/" + "x" * 2000, "events": ["deal.won"]}, 400, "url"),
    ],
)
def test_bad_bodies_name_their_field(admin_user, allow_loopback, body, status, field):
    response = Api(admin_user).post("webhooks", body)
    assert (response.status_code, list(response.json()["errors"])) == (status, [field])


@pytest.mark.parametrize("role", ["rep", "manager", "lead", "member", "no_role"])
def test_every_other_role_is_refused_403(request, role, hook):
    api = Api(request.getfixturevalue(role))
    assert api.get("webhooks").status_code == 403
    body = {"url": "https://hooks.example.com/x", "events": ["deal.won"]}
    assert api.post("webhooks", body).status_code == 403
    assert api.delete(f"webhooks/{hook.pk}").status_code == 403
    assert api.get(f"webhooks/{hook.pk}/deliveries").status_code == 403
    assert Endpoint.objects.filter(pk=hook.pk).exists()


def test_without_a_token_it_is_401(client, hook):
    assert client.get("/api/v1/webhooks").status_code == 401


def test_an_unknown_id_is_404(admin_user, hook):
    api = Api(admin_user)
    assert api.delete(f"webhooks/{hook.pk + 1}").status_code == 404
    assert api.get(f"webhooks/{hook.pk + 1}/deliveries").status_code == 404


def test_an_admin_deletes_an_endpoint_with_its_log(admin_user, hook):
    emit("deal.won", {"id": 1})
    assert Delivery.objects.count() == 1
    assert Api(admin_user).delete(f"webhooks/{hook.pk}").status_code == 204
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()


def test_the_delivery_log_lists_attempts(admin_user, hook):
    event = emit("deal.won", {"id": 7})
    delivery = Delivery.objects.get()
    Attempt.objects.create(delivery=delivery, status_code=None, error="ConnectionRefusedError")
    Attempt.objects.create(delivery=delivery, status_code=500, response_body="oops")
    page = Api(admin_user).get(f"webhooks/{hook.pk}/deliveries").json()
    assert page["count"] == 1
    [item] = page["items"]
    assert (item["event_id"], item["event_type"], item["status"]) == (
        event.id,
        "deal.won",
        "pending",
    )
    assert item["payload"]["data"] == {"id": 7}
    assert [(a["status_code"], a["response_body"]) for a in item["attempt_log"]] == [
        (500, "oops"),
        (None, ""),
    ]


def test_the_lists_cost_the_same_queries_for_more_rows(
    admin_user, allow_loopback, django_assert_num_queries
):
    api = Api(admin_user)

    def add(n: int) -> Endpoint:
        return services.endpoint_create(
            by=admin_user, url=f"http://127.0.0.1:{9000 + n}/x", events=list(EVENT_TYPES)
        )

    first = add(0)
    for n in range(3):
        emit("deal.won", {"id": n})
    for delivery in Delivery.objects.all():
        Attempt.objects.create(delivery=delivery, status_code=500)
    api.get("me")  # the token's first use is recorded once; later requests read it only
    # The token with its user, the user's groups; count and page (ids, rows) of the endpoints.
    with django_assert_num_queries(5):
        assert api.get("webhooks").json()["count"] == 1
    # The token, groups, the endpoint; count, ids, rows of its deliveries, their attempts.
    with django_assert_num_queries(7):
        assert api.get(f"webhooks/{first.pk}/deliveries").json()["count"] == 3
    for n in range(1, 4):
        add(n)
    for n in range(3):
        emit("deal.won", {"id": n})
    for delivery in Delivery.objects.filter(attempt_log__isnull=True):
        Attempt.objects.create(delivery=delivery, status_code=500)
    with django_assert_num_queries(5):
        assert api.get("webhooks").json()["count"] == 4
    with django_assert_num_queries(7):
        assert api.get(f"webhooks/{first.pk}/deliveries").json()["count"] == 6
