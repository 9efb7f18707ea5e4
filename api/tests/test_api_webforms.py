"""/api/v1/forms: admins set forms up; anyone submits one by its key, without a token."""

import pytest
from django.test import Client

from accounts.services import api_token_create
from crm.models import Deal, LeadSource
from webforms import services
from webforms.models import Submission
from webforms.tests import conftest as fixtures
from webforms.tests.conftest import enquiry

pytestmark = pytest.mark.django_db

# The owners, the form and the reminders' broker stand-in come from webforms' fixtures.
no_broker, owners, webform, website = (
    fixtures.no_broker,
    fixtures.owners,
    fixtures.webform,
    fixtures.website,
)


def client_for(user):
    _, raw = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_admins_list_forms_with_their_key_urls_and_snippet(
    admin_user, webform, owners, website, settings, django_assert_num_queries
):
    services.webform_create(by=admin_user, name="Quote", source=website, owners=owners[:1])
    client = client_for(admin_user)
    client.get("/api/v1/me")  # the token's first use is recorded once
    # Token, user and groups, the count, the page, the owners: the same for any number.
    with django_assert_num_queries(5):
        response = client.get("/api/v1/forms")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["name"] == "Contact us"
    assert first["key"] == webform.key
    assert first["owner_ids"] == [u.pk for u in owners]
    assert first["source_id"] == website.pk
    assert first["page_url"] == f"{settings.SITE_URL}/forms/{webform.key}/"
    assert first["submit_url"] == f"{settings.SITE_URL}/forms/{webform.key}/submit"
    assert first["api_url"] == f"{settings.SITE_URL}/api/v1/forms/{webform.key}/submissions"
    assert f'action="{settings.SITE_URL}/forms/{webform.key}/submit"' in first["snippet"]
    assert body["items"][1]["owner_ids"] == [owners[0].pk]


def test_admins_create_a_form(admin_user, owners, website):
    response = client_for(admin_user).post(
        "/api/v1/forms",
        {"name": "Contact us", "source_id": website.pk, "owner_ids": [owners[1].pk, owners[0].pk]},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["key"]) == 22
    assert sorted(body["owner_ids"]) == sorted([owners[0].pk, owners[1].pk])
    assert (body["is_active"], body["version"], body["redirect_url"]) == (True, 1, "")
    assert client_for(admin_user).get(f"/api/v1/forms/{body['id']}").json()["key"] == body["key"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"source_id": 99999}, {"source_id": ["No lead source with id 99999."]}),
        ({"owner_ids": [99999]}, {"owner_ids": ["No user with id 99999."]}),
        ({"redirect_url": "javascript:alert(1)"}, "redirect_url"),
    ],
)
def test_a_refused_form_names_the_field(admin_user, owners, website, body, errors):
    data = {"name": "X", "source_id": website.pk, "owner_ids": [owners[0].pk], **body}
    response = client_for(admin_user).post("/api/v1/forms", data, content_type="application/json")
    assert response.status_code == 422
    if isinstance(errors, dict):
        assert response.json()["errors"] == errors
    else:
        assert list(response.json()["errors"]) == [errors]


def test_a_form_needs_a_sales_owner(admin_user, lead, website):
    response = client_for(admin_user).post(
        "/api/v1/forms",
        {"name": "X", "source_id": website.pk, "owner_ids": [lead.pk]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"owner_ids": ["Not an active sales rep or manager: lead."]}


@pytest.mark.parametrize("who", ["rep", "manager", "lead", "member", "no_role"])
def test_only_admins_see_and_create_forms(request, who, webform, owners, website):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/api/v1/forms").status_code == 403
    assert client.get(f"/api/v1/forms/{webform.pk}").status_code == 403
    response = client.post(
        "/api/v1/forms",
        {"name": "X", "source_id": website.pk, "owner_ids": [owners[0].pk]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only admins set up web forms.", "errors": {}}


def test_forms_need_a_token(webform):
    assert Client().get("/api/v1/forms").status_code == 401
    assert Client().get(f"/api/v1/forms/{webform.pk}").status_code == 401


def test_an_unknown_form_id_is_404(admin_user):
    assert client_for(admin_user).get("/api/v1/forms/99999").status_code == 404


def submit(key, data, **headers):
    return Client(headers=headers).post(
        f"/api/v1/forms/{key}/submissions", data, content_type="application/json"
    )


def test_a_submission_needs_no_token_and_makes_a_lead(webform, owners):
    response = submit(
        webform.key,
        enquiry(utm_source="Event", utm_campaign="fair"),
        Referer="https://shop.example/contact",
    )
    assert response.status_code == 201
    assert response.json() == {"received": True, "message": webform.thank_you_text}
    deal = Deal.objects.get()
    assert (deal.owner, deal.next_action, deal.campaign) == (
        owners[0],
        "Respond to the enquiry",
        "fair",
    )
    assert deal.source == LeadSource.objects.get(name="Event")
    assert Submission.objects.get().referrer == "https://shop.example/contact"


def test_a_bad_token_does_not_stop_a_submission(webform):
    response = submit(webform.key, enquiry(), Authorization="Bearer nonsense")
    assert response.status_code == 201


def test_spam_and_duplicates_are_answered_like_a_lead(webform):
    assert submit(webform.key, enquiry()).status_code == 201
    assert submit(webform.key, enquiry(message="Again")).status_code == 201
    assert submit(webform.key, enquiry(email="bot@x.example", website="x")).status_code == 201
    assert Deal.objects.count() == 1
    assert sorted(Submission.objects.values_list("status", flat=True)) == [
        "accepted",
        "duplicate",
        "spam",
    ]


def test_bad_fields_are_422_naming_them(webform):
    response = submit(webform.key, enquiry(email="nope", company=""))
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "company": ["Say which company you are with."],
        "email": ["Enter a valid email address, such as ann@example.com."],
    }
    assert Deal.objects.count() == 0


def test_wrong_types_are_400(webform):
    response = submit(webform.key, {**enquiry(), "email": 42})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]


def test_unknown_and_inactive_keys_are_404(webform, admin_user):
    assert submit("no-such-key", enquiry()).status_code == 404
    services.webform_update(by=admin_user, form=webform, is_active=False)
    assert submit(webform.key, enquiry()).status_code == 404
    assert Deal.objects.count() == 0


def test_throttled_is_429_with_retry_after(webform, settings):
    settings.WEBFORMS_PER_MINUTE = 2
    spam = enquiry(website="x")
    assert [submit(webform.key, spam).status_code for _ in range(2)] == [201, 201]
    response = submit(webform.key, spam)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {
        "detail": "Too many submissions from your address; try again in a minute.",
        "errors": {},
    }
