"""/api/v1/inbound-emails: the review list in the API, its decisions, errors by field and
the role matrix (allowed, 403, 404)."""

import json

import pytest
from django.test import Client

from accounts.services import api_token_create
from crm.models import Activity, ActivityKind
from crm.tests.factories import CompanyFactory, DealFactory
from inbox import services
from inbox.messages import read_bytes
from inbox.models import Status
from inbox.tests import mail

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        _, raw = api_token_create(user=user)
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def get(self, path):
        return self.client.get(f"/api/v1/{path}")

    def post(self, path, body=None):
        data = json.dumps(body) if body is not None else ""
        return self.client.post(f"/api/v1/{path}", data, content_type="application/json")


def unmatched(n: int = 0):
    raw = mail.plain(
        sender=f"Someone {n} <someone{n}@nowhere.example>",
        subject=f"Hello {n}",
        message_id=f"<api{n}@nowhere.example>",
    )
    return services.inbound_email_receive(received=read_bytes(raw))[0]


def test_the_review_list_by_status(manager):
    first, second = unmatched(1), unmatched(2)
    services.inbound_email_discard(email=first, by=manager)
    api = Api(manager)

    waiting = api.get("inbound-emails?status=unmatched")
    everything = api.get("inbound-emails")

    assert waiting.status_code == 200
    body = waiting.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("id", "from_address", "from_name", "subject", "status")} == {
        "id": second.pk,
        "from_address": "someone2@nowhere.example",
        "from_name": "Someone 2",
        "subject": "Hello 2",
        "status": "unmatched",
    }
    assert (item["to"], item["cc"], item["text"]) == (
        ["crm@company.example"],
        [],
        "Body of Hello 2.",
    )
    assert item["sent_at"] == "2026-12-03T13:00:00Z"
    assert [i["id"] for i in everything.json()["items"]] == [second.pk, first.pk]


def test_a_bad_status_filter_is_400(manager):
    response = Api(manager).get("inbound-emails?status=lost")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_assign_to_a_deal(manager):
    email = unmatched()
    deal = DealFactory()

    response = Api(manager).post(
        f"inbound-emails/{email.pk}/assign", {"deal_id": deal.pk, "version": email.version}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    activity = Activity.objects.get()
    assert (body["status"], body["deal_id"], body["company_id"], body["activity_id"]) == (
        "matched",
        deal.pk,
        deal.company_id,
        activity.pk,
    )
    assert (activity.kind, activity.deal, activity.author) == (ActivityKind.EMAIL, deal, manager)


def test_assign_to_a_company(admin_user):
    email = unmatched()
    company = CompanyFactory()

    response = Api(admin_user).post(f"inbound-emails/{email.pk}/assign", {"company_id": company.pk})

    assert response.status_code == 200
    activity = Activity.objects.get()
    assert (activity.deal, activity.company, activity.author) == (None, company, admin_user)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "deal_id", "Choose a deal or a company (one of them)."),
        ({"deal_id": 999999}, "deal_id", "No deal with id 999999."),
        ({"company_id": 999999}, "company_id", "No company with id 999999."),
    ],
)
def test_assign_errors_name_the_field(manager, body, field, message):
    email = unmatched()

    response = Api(manager).post(f"inbound-emails/{email.pk}/assign", body)

    assert response.status_code == 422
    assert response.json()["errors"] == {field: [message]}
    assert Activity.objects.count() == 0


def test_assign_both_is_refused(manager):
    email = unmatched()
    deal = DealFactory()

    response = Api(manager).post(
        f"inbound-emails/{email.pk}/assign", {"deal_id": deal.pk, "company_id": deal.company_id}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"deal_id": ["Choose a deal or a company (one of them)."]}


def test_a_decided_email_is_422_and_a_stale_version_409(manager):
    email = unmatched()
    api = Api(manager)

    stale = api.post(f"inbound-emails/{email.pk}/discard", {"version": email.version + 1})
    done = api.post(f"inbound-emails/{email.pk}/discard")
    again = api.post(f"inbound-emails/{email.pk}/assign", {"company_id": CompanyFactory().pk})

    assert stale.status_code == 409
    assert done.status_code == 200
    assert done.json()["status"] == "discarded"
    assert again.status_code == 422
    assert again.json()["errors"] == {"status": ["This email is already discarded."]}


@pytest.mark.parametrize("role", ["rep", "lead", "member", "no_role"])
def test_others_are_refused_with_403(request, role):
    email = unmatched()
    api = Api(request.getfixturevalue(role))
    company = CompanyFactory()

    assert api.get("inbound-emails").status_code == 403
    assert api.get(f"inbound-emails/{email.pk}").status_code == 403
    assert api.post(f"inbound-emails/{email.pk}/discard").status_code == 403
    assert (
        api.post(f"inbound-emails/{email.pk}/assign", {"company_id": company.pk}).status_code == 403
    )
    email.refresh_from_db()
    assert email.status == Status.UNMATCHED


def test_a_missing_email_is_404(manager):
    api = Api(manager)

    assert api.get("inbound-emails/999999").status_code == 404
    assert api.post("inbound-emails/999999/discard").status_code == 404
    assert api.post("inbound-emails/999999/assign", {"company_id": 1}).status_code == 404


def test_the_list_keeps_a_constant_number_of_queries(manager, django_assert_num_queries):
    api = Api(manager)
    for n in range(2):
        unmatched(n)
    api.get("inbound-emails")
    with django_assert_num_queries(5) as few:
        api.get("inbound-emails")
    for n in range(2, 8):
        unmatched(n)
    with django_assert_num_queries(len(few.captured_queries)):
        assert api.get("inbound-emails").json()["count"] == 8


def test_every_error_is_in_the_schema():
    from api.urls import api

    paths = api.get_openapi_schema()["paths"]
    assign = paths["/api/v1/inbound-emails/{email_id}/assign"]["post"]["responses"]
    listed = paths["/api/v1/inbound-emails"]["get"]["responses"]
    assert set(map(str, assign)) == {"200", "400", "401", "403", "404", "409", "413", "422"}
    assert set(map(str, listed)) == {"200", "400", "401", "403", "422"}
