"""The API's contract at its edges: bad input of every kind answers the error shape with the
right status and field (never a 5xx or a "please retry" 409), bodies over the limit, unknown
paths and methods, paging, money, dates, the schema itself, and Idempotency-Key."""

import datetime as dt
import json
import re
import sys
import threading

import pytest
from django.db import DataError, OperationalError, connection
from django.test import Client

from accounts.models import Submission
from accounts.services import api_token_create
from api import fields
from api.urls import api
from crm import services as crm_services
from crm.models import Activity, Company, Deal
from crm.tests.factories import CompanyFactory, DealFactory
from inputs.text import has_breaking_characters
from projects import services as project_services
from projects.models import Comment, Project, Task
from projects.tests.factories import MONDAY

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        _, raw = api_token_create(user=user)
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def get(self, path):
        return self.client.get(f"/api/v1/{path}")

    def send(self, method, path, body=None, raw=None, **headers):
        return getattr(self.client, method)(
            f"/api/v1/{path}",
            raw if raw is not None else json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=headers,
        )

    def post(self, path, body=None, raw=None, **headers):
        return self.send("post", path, body, raw, **headers)

    def patch(self, path, body):
        return self.send("patch", path, body)


@pytest.fixture
def company(rep):
    return CompanyFactory(owner=rep, name="Acme", domain="acme.example")


def deal_body(company, **extra):
    return {
        "title": "Website",
        "company_id": company.pk,
        "next_action": "Call",
        "next_action_due": "2026-12-01",
        **extra,
    }


@pytest.fixture
def project(lead):
    return project_services.project_create(
        by=lead, name="Website", delivery_lead=lead, start_date=MONDAY
    )


# Text, dates and numbers the database could not store: 422 naming the field ---------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Web\x00site"}, "title"),
        ({"qualification_notes": "ok\x00"}, "qualification_notes"),
        ({"next_action": "Call\x00"}, "next_action"),
        ({"title": "Two\nlines"}, "title"),
        ({"title": "   "}, "title"),
        ({"next_action_due": "9999-12-01"}, "next_action_due"),
        ({"next_action_due": "1899-12-31"}, "next_action_due"),
        ({"next_action_due": "9999-01-01T10:00:00+00:00"}, "next_action_due"),
        ({"expected_close_date": "3000-01-01"}, "expected_close_date"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12.555"}, "amount"),
        ({"amount": "1234567890123"}, "amount"),
        ({"contact_id": 2**63}, "contact_id"),
        ({"company_id": 0}, "company_id"),
    ],
)
def test_input_the_database_cannot_take_is_422_naming_the_field(rep, company, body, field):
    response = Api(rep).post("deals", deal_body(company, **body))
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert Deal.objects.count() == 0


def test_a_nul_byte_in_a_company_name_or_a_search_is_handled(rep):
    api = Api(rep)
    response = api.post("companies", {"name": "Ac\x00me"})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["name"])
    assert api.get("companies?q=a%00b").status_code == 200
    assert api.get("deals?q=%00").status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"amount": 12.5}, "amount", 400),
        ({"amount": 12}, "amount", 400),
        ({"amount": "twelve"}, "amount", 400),
        ({"company_id": "1"}, "company_id", 400),
        ({"company_id": True}, "company_id", 400),
        ({"next_action_due": "2026-02-30"}, "next_action_due", 400),
        ({"next_action_due": 20261201}, "next_action_due", 400),
        ({"next_action_due": None}, "next_action_due", 400),
        ({"title": None}, "title", 400),
    ],
)
def test_wrong_types_are_400_naming_the_field(rep, company, body, field, status):
    response = Api(rep).post("deals", deal_body(company, **body))
    assert response.status_code == status, response.content
    assert list(response.json()["errors"]) == [field]


def test_money_is_a_decimal_string_in_and_out(rep, company):
    response = Api(rep).post("deals", deal_body(company, amount="12.5"))
    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["weighted_amount"]) == ("12.50", "1.25")


def test_an_integral_json_number_counts_as_an_integer(rep, company):
    response = Api(rep).post("deals", deal_body(company, company_id=float(company.pk)))
    assert (response.status_code, response.json()["company_id"]) == (201, company.pk)


def test_a_body_that_is_not_an_object_is_400(rep, company):
    deal = DealFactory(owner=rep, company=company)
    api = Api(rep)
    for raw in ("[null, null]", '"text"', "5"):
        response = api.send("patch", f"deals/{deal.pk}", raw=raw)
        assert response.status_code == 400, raw
        assert response.json()["errors"] == {"body": ["Send a JSON object."]}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("projects", {"name": "P", "start_date": "9999-01-01"}, "start_date"),
        (
            "projects",
            {"name": "P", "start_date": "2026-03-02", "promised_date": "0001-01-01"},
            "promised_date",
        ),
    ],
)
def test_project_dates_outside_the_window_are_422(lead, path, body, field):
    response = Api(lead).post(path, body)
    assert (response.status_code, list(response.json()["errors"])) == (422, [field])
    assert response.json()["errors"][field] == ["Enter a date from 1900-01-01 to 2999-12-31."]
    assert Project.objects.count() == 0


def test_task_dates_outside_the_window_are_422(lead, project):
    api = Api(lead)
    response = api.post(
        f"projects/{project.pk}/tasks", {"title": "T", "start_no_earlier_than": "9999-12-31"}
    )
    assert (response.status_code, list(response.json()["errors"])) == (
        422,
        ["start_no_earlier_than"],
    )
    task = project_services.task_create(by=lead, project=project, title="Design")
    response = api.patch(f"tasks/{task.pk}", {"start_no_earlier_than": "9999-12-31"})
    assert (response.status_code, list(response.json()["errors"])) == (
        422,
        ["start_no_earlier_than"],
    )
    assert Task.objects.get(pk=task.pk).start_no_earlier_than is None


@pytest.mark.parametrize(
    ("occurred_at", "status"),
    [
        ("0001-01-01T00:00:00+14:00", 422),
        ("9999-12-31T23:59:59-14:00", 422),
        ("2026-11-20T10:00:00", 400),
        ("2026-11-20", 400),
        ("2026-11-20T25:00:00+00:00", 400),
    ],
)
def test_activity_moments_outside_the_window_or_without_offset(rep, occurred_at, status):
    deal = DealFactory(owner=rep)
    response = Api(rep).post(
        f"deals/{deal.pk}/activities", {"kind": "call", "body": "x", "occurred_at": occurred_at}
    )
    assert (response.status_code, list(response.json()["errors"])) == (status, ["occurred_at"])
    assert Activity.objects.count() == 0


def test_a_leap_second_is_the_last_instant_of_its_minute(rep):
    deal = DealFactory(owner=rep)
    response = Api(rep).post(
        f"deals/{deal.pk}/activities",
        {"kind": "call", "body": "x", "occurred_at": "2026-12-31T23:59:60Z"},
    )
    assert response.status_code == 201
    assert response.json()["occurred_at"] == "2026-12-31T23:59:59.999Z"


def test_patch_project_description_null_is_400_naming_it(lead, project):
    response = Api(lead).patch(f"projects/{project.pk}", {"description": None})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input: description.",
        "errors": {"description": ["Input should be a valid string"]},
    }
    response = Api(lead).patch(f"projects/{project.pk}", {"description": ""})
    assert (response.status_code, response.json()["description"]) == (200, "")


def test_a_comment_with_40000_mentions_is_422_on_body(lead, project):
    task = project_services.task_create(by=lead, project=project, title="Design")
    body = " ".join(f"@user{i}" for i in range(40_000))
    response = Api(lead).post(f"tasks/{task.pk}/comments", {"body": body})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "body": ["Mention at most 50 people in one comment (this one names 40000)."]
    }
    assert Comment.objects.count() == 0


# Paging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        (f"offset={2**63}", 422, "offset"),
        (f"offset={10**40}", 400, "offset"),
        ("offset=1e3", 400, "offset"),
        ("limit=0", 422, "limit"),
        ("limit=201", 422, "limit"),
        ("owner_id=0", 422, "owner_id"),
        ("overdue=yes", 400, "overdue"),
        ("stage=nope", 400, "stage"),
    ],
)
def test_bad_query_parameters_name_the_parameter(rep, query, status, field):
    response = Api(rep).get(f"deals?{query}")
    assert response.status_code == status, response.content
    assert list(response.json()["errors"]) == [field]


def test_the_largest_offset_is_an_empty_page(rep):
    DealFactory(owner=rep)
    response = Api(rep).get(f"deals?offset={2**63 - 1}")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 1, "next_after": None}


def test_the_timeline_pages_newest_first(rep):
    deal = DealFactory(owner=rep, qualification_notes="ok")
    for day in (1, 2, 3):
        crm_services.activity_create(
            by=rep,
            deal=deal,
            kind="call",
            body=f"Call {day}",
            occurred_at=dt.datetime(2026, 11, day, 10, tzinfo=dt.UTC),
        )
    api = Api(rep)
    api.post(f"deals/{deal.pk}/transitions/qualify")
    first = api.get(f"deals/{deal.pk}/timeline?limit=2").json()
    assert first["count"] == 4
    assert [(e["kind"], e["text"]) for e in first["items"]] == [
        ("stage_change", "Lead → Qualified"),
        ("call", "Call 3"),
    ]
    rest = api.get(f"deals/{deal.pk}/timeline?limit=2&offset=2").json()
    assert [e["text"] for e in rest["items"]] == ["Call 2", "Call 1"]
    assert api.get(f"deals/{deal.pk}/timeline?offset=4").json() == {"items": [], "count": 4}
    assert api.get(f"deals/{deal.pk}/timeline?limit=500").status_code == 422


# Rules answer 422 naming their fields --------------------------------------------------------


def test_completing_without_the_next_action_is_422_naming_both(rep):
    deal = DealFactory(owner=rep, next_action="Send deck")
    api = Api(rep)
    response = api.post(f"deals/{deal.pk}/next-action/complete", {"outcome": "Sent"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "next_action": ["An open deal needs a next action: what happens next."],
        "next_action_due": ["An open deal needs a due date for its next action."],
    }
    assert Deal.objects.get(pk=deal.pk).next_action == "Send deck"
    assert Activity.objects.count() == 0


def test_a_transition_without_a_body_is_answered(rep):
    deal = DealFactory(owner=rep, qualification_notes="Budget ok")
    response = Api(rep).client.post(
        f"/api/v1/deals/{deal.pk}/transitions/qualify", "", content_type="application/json"
    )
    assert (response.status_code, response.json()["stage"]) == (200, "qualified")


def test_patch_deals_does_not_document_stage_and_refuses_it(rep):
    deal = DealFactory(owner=rep)
    schema = api.get_openapi_schema()
    assert "stage" not in schema["components"]["schemas"]["DealPatch"]["properties"]
    response = Api(rep).patch(f"deals/{deal.pk}", {"stage": "won", "title": "Won?"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["stage"]
    assert Deal.objects.get(pk=deal.pk).title != "Won?"


# Database errors: input-caused 422, transient 503, never 409 ---------------------------------


def test_a_database_error_from_input_is_422_and_a_transient_one_503(rep, company, monkeypatch):
    api = Api(rep)

    def fails(error):
        def create(**kwargs):
            raise error

        return create

    monkeypatch.setattr(crm_services, "company_create", fails(DataError("value too long")))
    response = api.post("companies", {"name": "Globex"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "non_field_errors: This value cannot be stored.",
        "errors": {"non_field_errors": ["This value cannot be stored."]},
    }
    monkeypatch.setattr(crm_services, "company_create", fails(OperationalError("deadlock")))
    response = api.post("companies", {"name": "Globex"})
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert response.json()["detail"] == "The database is busy or unavailable; try again shortly."


# Sizes, paths and methods ------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_json(rep, company, settings):
    response = Api(rep).post("deals", deal_body(company, qualification_notes="x" * 2_700_000))
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than 2.5 MB.",
        "errors": {"body": ["The request body is larger than 2.5 MB."]},
    }
    assert Deal.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "nothing-here",
        "deals/a%0Ab",
        "deals/abc",
        "deals/-1",
        f"deals/{10**20}",
        "deals/0",
        "deals/1/x",
    ],
)
def test_unknown_paths_and_bad_ids_are_404_json(rep, path):
    api = Api(rep)
    for response in (api.get(path), api.patch(path, {})):
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert set(response.json()) == {"detail", "errors"}


def test_an_unknown_transition_is_404_json(rep):
    deal = DealFactory(owner=rep)
    response = Api(rep).post(f"deals/{deal.pk}/transitions/fly")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}


def test_a_wrong_method_is_405_json_with_allow(rep):
    response = Api(rep).send("put", "deals", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST" or set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert response.json() == {"detail": "Method PUT is not allowed here.", "errors": {}}


def test_the_deals_list_still_answers_after_bad_input(rep, company):
    api = Api(rep)
    api.post("deals", deal_body(company, title="Web\x00site"))
    api.get(f"deals?offset={2**63}")
    api.post("deals", raw="{nope")
    response = api.get("deals")
    assert (response.status_code, response.json()["count"]) == (200, 0)


# Idempotency-Key ---------------------------------------------------------------------------


def test_the_same_key_twice_creates_once_and_answers_the_same(rep, company):
    api = Api(rep)
    first = api.post("deals", deal_body(company), **{"Idempotency-Key": "k-1"})
    again = api.post("deals", deal_body(company), **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert (first.get("Idempotent-Replayed"), again["Idempotent-Replayed"]) == (None, "true")
    assert Deal.objects.count() == 1
    other = api.post("deals", deal_body(company), **{"Idempotency-Key": "k-2"})
    assert other.status_code == 201 and Deal.objects.count() == 2


def test_the_same_key_with_another_body_is_422(rep, company):
    api = Api(rep)
    assert api.post("companies", {"name": "A"}, **{"Idempotency-Key": "k"}).status_code == 201
    response = api.post("companies", {"name": "B"}, **{"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "idempotency_key": ["This key was already used for another request; use a new key."]
    }
    assert list(Company.objects.order_by("name").values_list("name", flat=True)) == ["A", "Acme"]


def test_a_refused_create_keeps_no_key(rep, company):
    api = Api(rep)
    refused = api.post("deals", deal_body(company, owner_id=999999), **{"Idempotency-Key": "k"})
    assert refused.status_code == 422
    assert Submission.objects.count() == 0
    assert api.post("deals", deal_body(company), **{"Idempotency-Key": "k"}).status_code == 201


def test_a_bad_key_is_422_naming_it(rep, company):
    response = Api(rep).post("companies", {"name": "A"}, **{"Idempotency-Key": "x" * 201})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["idempotency_key"])


def test_keys_work_on_every_create(lead, project):
    api = Api(lead)
    task = api.post(f"projects/{project.pk}/tasks", {"title": "T"}, **{"Idempotency-Key": "t"})
    again = api.post(f"projects/{project.pk}/tasks", {"title": "T"}, **{"Idempotency-Key": "t"})
    assert (task.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert task.json() == again.json() and Task.objects.count() == 1
    body = {"body": "Looks good"}
    path = f"tasks/{task.json()['id']}/comments"
    assert (
        api.post(path, body, **{"Idempotency-Key": "c"}).json()
        == api.post(path, body, **{"Idempotency-Key": "c"}).json()
    )
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_object(rep):
    company = CompanyFactory(owner=rep)
    apis = [Api(rep) for _ in range(4)]
    barrier = threading.Barrier(len(apis))
    answers = []

    def post(api):
        try:
            barrier.wait()
            response = api.post("deals", deal_body(company), **{"Idempotency-Key": "same"})
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(a,)) for a in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Deal.objects.count() == 1
    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1


# The schema ----------------------------------------------------------------------------------

OPERATION_IDS = {
    ("get", "/api/v1/me"): "me",
    ("get", "/api/v1/me/calendar"): "calendar_address",
    ("post", "/api/v1/me/calendar/renew"): "calendar_address_renew",
    ("get", "/api/v1/users"): "users",
    ("get", "/api/v1/lead-sources"): "lead_sources",
    ("get", "/api/v1/lost-reasons"): "lost_reasons",
    ("get", "/api/v1/companies"): "company_list",
    ("post", "/api/v1/companies"): "company_create",
    ("post", "/api/v1/imports"): "import_create",
    ("get", "/api/v1/imports/{import_id}"): "import_get",
    ("post", "/api/v1/imports/{import_id}/cancel"): "import_cancel",
    ("get", "/api/v1/webhooks"): "webhook_list",
    ("post", "/api/v1/webhooks"): "webhook_create",
    ("delete", "/api/v1/webhooks/{webhook_id}"): "webhook_delete",
    ("get", "/api/v1/webhooks/{webhook_id}/deliveries"): "webhook_deliveries",
    ("get", "/api/v1/inbound-emails"): "inbound_email_list",
    ("get", "/api/v1/inbound-emails/{email_id}"): "inbound_email_get",
    ("post", "/api/v1/inbound-emails/{email_id}/assign"): "inbound_email_assign",
    ("post", "/api/v1/inbound-emails/{email_id}/discard"): "inbound_email_discard",
    ("get", "/api/v1/companies/{company_id}"): "company_detail",
    ("patch", "/api/v1/companies/{company_id}"): "company_patch",
    ("get", "/api/v1/contacts"): "contact_list",
    ("post", "/api/v1/contacts"): "contact_create",
    ("get", "/api/v1/contacts/{contact_id}"): "contact_detail",
    ("patch", "/api/v1/contacts/{contact_id}"): "contact_patch",
    ("get", "/api/v1/deals"): "deal_list",
    ("post", "/api/v1/deals"): "deal_create",
    ("get", "/api/v1/deals/{deal_id}"): "deal_detail",
    ("patch", "/api/v1/deals/{deal_id}"): "deal_patch",
    ("post", "/api/v1/deals/{deal_id}/transitions/{name}"): "deal_transition",
    ("post", "/api/v1/deals/{deal_id}/next-action/complete"): "deal_complete",
    ("get", "/api/v1/deals/{deal_id}/activities"): "deal_activities",
    ("post", "/api/v1/deals/{deal_id}/activities"): "deal_activity_create",
    ("get", "/api/v1/deals/{deal_id}/timeline"): "deal_timeline",
    ("get", "/api/v1/deals/{deal_id}/handoff"): "handoff_get",
    ("put", "/api/v1/deals/{deal_id}/handoff"): "handoff_put",
    ("get", "/api/v1/deals/{deal_id}/promise-check"): "promise_check",
    ("get", "/api/v1/reports/pipeline"): "report_pipeline",
    ("get", "/api/v1/reports/forecast"): "report_forecast",
    ("get", "/api/v1/reports/sources"): "report_sources",
    ("get", "/api/v1/reports/follow-up"): "report_follow_up",
    ("get", "/api/v1/reports/delivery-demand"): "report_delivery_demand",
    ("get", "/api/v1/projects"): "project_list",
    ("post", "/api/v1/projects"): "project_create",
    ("get", "/api/v1/projects/{project_id}"): "project_detail",
    ("patch", "/api/v1/projects/{project_id}"): "project_update",
    ("get", "/api/v1/projects/{project_id}/tasks"): "task_list",
    ("post", "/api/v1/projects/{project_id}/tasks"): "task_create",
    ("get", "/api/v1/tasks/{task_id}"): "task_detail",
    ("patch", "/api/v1/tasks/{task_id}"): "task_update",
    ("post", "/api/v1/tasks/{task_id}/actuals"): "task_correct_actuals",
    ("get", "/api/v1/tasks/{task_id}/dependencies"): "dependency_list",
    ("post", "/api/v1/tasks/{task_id}/dependencies"): "dependency_create",
    ("delete", "/api/v1/dependencies/{dependency_id}"): "dependency_delete",
    ("get", "/api/v1/projects/{project_id}/milestones"): "milestone_list",
    ("post", "/api/v1/projects/{project_id}/milestones"): "milestone_create",
    ("get", "/api/v1/milestones/{milestone_id}"): "milestone_detail",
    ("post", "/api/v1/milestones/{milestone_id}/approve"): "milestone_approve",
    ("get", "/api/v1/tasks/{task_id}/comments"): "comment_list",
    ("post", "/api/v1/tasks/{task_id}/comments"): "comment_create",
    ("get", "/api/v1/project-templates"): "template_list",
    ("get", "/api/v1/forms"): "form_list",
    ("post", "/api/v1/forms"): "form_create",
    ("get", "/api/v1/forms/{form_id}"): "form_detail",
    ("post", "/api/v1/forms/{key}/submissions"): "form_submission_create",
    ("get", "/api/v1/reports/campaigns"): "report_campaigns",
}
CREATES = {
    "company_create",
    "contact_create",
    "deal_create",
    "deal_activity_create",
    "project_create",
    "task_create",
    "dependency_create",
    "milestone_create",
    "comment_create",
}


def _operations():
    schema = api.get_openapi_schema()
    return schema, [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_operation_ids_are_pinned():
    _, operations = _operations()
    assert {(m, p): o["operationId"] for m, p, o in operations} == OPERATION_IDS


def test_every_operation_documents_its_errors_with_the_error_shape():
    schema, operations = _operations()
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["detail", "errors"]
    for method, path, operation in operations:
        responses = operation["responses"]
        # 401 wherever a token is asked for (a web form's submissions need none).
        expected = {"401"} if operation.get("security") else set()
        params = {p["in"] for p in operation.get("parameters", [])}
        if "path" in params:
            expected |= {"404"}
        if "query" in params:
            expected |= {"400", "422"}
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        errors = {code for code in map(str, responses) if code[0] in "45"}
        assert expected <= errors, (method, path, errors)
        for code in errors:
            content = responses[code if code in responses else int(code)]["content"]
            assert content["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }


def test_creates_document_the_idempotency_key():
    _, operations = _operations()
    with_key = {
        o["operationId"]
        for _, _, o in operations
        if any(p["name"] == "Idempotency-Key" for p in o.get("parameters", []))
    }
    assert with_key == CREATES


def test_enums_and_money_are_declared():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["Stage"]["enum"] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert schemas["DependencyKind"]["enum"] == ["FS", "SS", "FF", "SF"]
    assert schemas["TaskStatus"]["enum"] == ["todo", "in_progress", "done"]
    assert schemas["ActivityKind"]["enum"] == ["note", "call", "email", "meeting"]
    assert schemas["Role"]["enum"] == [
        "sales_rep",
        "sales_manager",
        "delivery_lead",
        "delivery_member",
        "admin",
    ]
    assert schemas["DealOut"]["properties"]["amount"]["pattern"] == fields.MONEY_OUT_PATTERN
    assert schemas["DealIn"]["required"] == [
        "title",
        "company_id",
        "next_action",
        "next_action_due",
    ]


# The patterns say what the validators do ------------------------------------------------------


def test_the_text_patterns_match_the_input_policy_for_every_character():
    mismatches = []
    for point in range(sys.maxunicode + 1):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        if bool(re.fullmatch(fields.LINE_CHARS, char)) == has_breaking_characters(char):
            mismatches.append(("line", hex(point)))
        filled = not has_breaking_characters(char) and bool(char.strip())
        if bool(re.fullmatch(fields.FILLED_LINE_CHARS, char)) != filled:
            mismatches.append(("filled line", hex(point)))
        if bool(re.fullmatch(fields.FILLED_TEXT_CHARS, char)) != (
            char != "\x00" and bool(char.strip())
        ):
            mismatches.append(("filled text", hex(point)))
    assert mismatches == []


def test_the_date_pattern_is_every_day_of_the_window():
    day, wrong = dt.date(1899, 12, 1), []
    while day <= dt.date(3000, 1, 31):
        inside = dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31)
        if bool(re.fullmatch(fields.DATE_CHARS, day.isoformat())) != inside:
            wrong.append(day)
        day += dt.timedelta(days=1)
    assert wrong == []
    assert not any(
        re.fullmatch(fields.DATE_CHARS, text)
        for text in ("1900-02-29", "2100-02-29", "2026-02-29", "2026-04-31", "2026-1-01")
    )


def test_a_leap_second_elsewhere_than_23_59_utc_is_400(rep):
    deal = DealFactory(owner=rep)
    response = Api(rep).post(
        f"deals/{deal.pk}/activities",
        {"kind": "call", "body": "x", "occurred_at": "2055-03-27t21:44:60.302+21:56"},
    )
    assert (response.status_code, list(response.json()["errors"])) == (400, ["occurred_at"])
    response = Api(rep).post(
        f"deals/{deal.pk}/activities",
        {"kind": "call", "body": "x", "occurred_at": "2026-12-31t23:59:60.5+00:00"},
    )
    assert response.status_code == 201


def test_an_optional_body_may_be_omitted_but_not_null(rep):
    deal = DealFactory(owner=rep, qualification_notes="Budget ok")
    response = Api(rep).post(f"deals/{deal.pk}/transitions/qualify", raw="null")
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"body": ["Send a JSON object."]},
    )
    operation = api.get_openapi_schema()["paths"]["/api/v1/deals/{deal_id}/transitions/{name}"]
    assert operation["post"]["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransitionIn"}}},
        "required": False,
    }
