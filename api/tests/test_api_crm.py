"""The CRM API: contract names, rules R1-R4, errors by field, role matrix, concurrency."""

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.services import api_token_create
from crm.models import Deal, LostReason, StageChange
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user):
        _, raw = api_token_create(user=user)
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def get(self, path):
        return self.client.get(f"/api/v1/{path}")

    def post(self, path, body=None, raw=None):
        return self.client.post(
            f"/api/v1/{path}",
            raw if raw is not None else json.dumps(body or {}),
            content_type="application/json",
        )

    def patch(self, path, body):
        return self.client.patch(
            f"/api/v1/{path}", json.dumps(body), content_type="application/json"
        )


@pytest.fixture
def company(rep):
    return CompanyFactory(owner=rep, name="Acme", domain="acme.example")


def new_deal_body(company, **extra):
    return {
        "title": "Website",
        "company_id": company.pk,
        "next_action": "Call",
        "next_action_due": "2026-12-01",
        **extra,
    }


def test_create_a_deal_defaults_the_owner_to_the_caller(rep, company):
    response = Api(rep).post("deals", new_deal_body(company, amount="1500.50"))
    assert response.status_code == 201
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "owner_id",
            "stage",
            "probability",
            "amount",
            "weighted_amount",
            "next_action_due",
            "project_id",
        )
    } == {
        "owner_id": rep.pk,
        "stage": "lead",
        "probability": 10,
        "amount": "1500.50",
        "weighted_amount": "150.05",
        "next_action_due": "2026-12-01",
        "project_id": None,
    }


def test_create_without_a_next_action_is_422_naming_the_fields(rep, company):
    response = Api(rep).post("deals", {"title": "X", "company_id": company.pk})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"next_action", "next_action_due"}
    assert Deal.objects.count() == 0


def test_a_datetime_due_keeps_its_time(rep, company):
    response = Api(rep).post(
        "deals", new_deal_body(company, next_action_due="2026-12-01T09:30:00+00:00")
    )
    assert response.status_code == 201
    deal = Deal.objects.get()
    assert (deal.next_action_due_date, deal.next_action_due_time) == (
        dt.date(2026, 12, 1),
        dt.time(9, 30),
    )
    assert response.json()["next_action_due"] == "2026-12-01T09:30:00+00:00"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"amount": "lots"}, 400, "amount"),
        ({"amount": "-5"}, 422, "amount"),
        ({"next_action_due": "tomorrow"}, 400, "next_action_due"),
        ({"next_action_due": "2026-12-01T09:30:00"}, 400, "next_action_due"),
        ({"company_id": 99999}, 422, "company_id"),
        ({"title": "x" * 300}, 400, "title"),
        ({"expected_close_date": "2026-02-30"}, 400, "expected_close_date"),
        ({"source_id": "abc"}, 400, "source_id"),
    ],
)
def test_bad_input_names_the_field(rep, company, body, status, field):
    response = Api(rep).post("deals", new_deal_body(company, **body))
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert Deal.objects.count() == 0


def test_malformed_json_is_400(rep):
    response = Api(rep).post("deals", raw="{not json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Malformed JSON in the request body.",
        "errors": {"body": ["Malformed JSON."]},
    }


def test_stage_is_read_only(rep):
    deal = DealFactory(owner=rep)
    response = Api(rep).patch(f"deals/{deal.pk}", {"stage": "won"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["stage"]
    assert Deal.objects.get(pk=deal.pk).stage == "lead"


def test_transitions_with_conditions_field_by_field(rep):
    deal = DealFactory(owner=rep)
    api = Api(rep)
    response = api.post(f"deals/{deal.pk}/transitions/qualify")
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "qualification_notes": ["Qualification notes are required to qualify a deal."]
    }
    assert (
        api.post(
            f"deals/{deal.pk}/transitions/qualify", {"qualification_notes": "Budget ok"}
        ).json()["stage"]
        == "qualified"
    )
    response = api.post(f"deals/{deal.pk}/transitions/propose")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"amount", "expected_close_date"}
    response = api.post(
        f"deals/{deal.pk}/transitions/propose",
        {"amount": "9000", "expected_close_date": "2027-01-15"},
    )
    assert (response.status_code, response.json()["stage"], response.json()["probability"]) == (
        200,
        "proposal",
        50,
    )
    response = api.post(f"deals/{deal.pk}/transitions/lose")
    assert response.json()["errors"] == {"lost_reason_id": ["Choose a lost reason."]}
    reason = LostReason.objects.get(name="Price")
    response = api.post(
        f"deals/{deal.pk}/transitions/lose", {"lost_reason_id": reason.pk, "note": "Too dear"}
    )
    assert (response.json()["stage"], response.json()["lost_reason_id"]) == ("lost", reason.pk)
    assert api.post(f"deals/{deal.pk}/transitions/reopen").status_code == 403
    assert api.post(f"deals/{deal.pk}/transitions/fly").status_code == 404


def test_win_without_a_handoff_is_refused(rep):
    deal = DealFactory(owner=rep, proposal=True)
    response = Api(rep).post(f"deals/{deal.pk}/transitions/win")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "scope_summary",
        "promised_date",
        "promised_timeline",
        "key_constraints",
        "main_stakeholder_id",
        "kickoff_date",
        "template_id",
        "delivery_lead_id",
    }
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_manager_reopens_with_a_next_action(manager, rep):
    deal = DealFactory(owner=rep, lost=True)
    response = Api(manager).post(
        f"deals/{deal.pk}/transitions/reopen",
        {"next_action": "Call", "next_action_due": "2026-12-02"},
    )
    assert (response.status_code, response.json()["stage"]) == (200, "lead")


def test_complete_next_action_records_the_outcome(rep):
    deal = DealFactory(owner=rep, next_action="Send deck")
    api = Api(rep)
    response = api.post(
        f"deals/{deal.pk}/next-action/complete",
        {"outcome": "Sent", "next_action": "Demo", "next_action_due": "2026-12-03"},
    )
    assert (response.status_code, response.json()["next_action"]) == (200, "Demo")
    timeline = api.get(f"deals/{deal.pk}/timeline").json()["items"]
    assert [(e["kind"], e["text"], e["user_id"]) for e in timeline] == [
        ("note", "Done: Send deck\nSent", rep.pk)
    ]


def test_activities_and_timeline_newest_first(rep):
    deal = DealFactory(owner=rep, qualification_notes="ok")
    api = Api(rep)
    response = api.post(
        f"deals/{deal.pk}/activities",
        {"kind": "call", "body": "Intro", "occurred_at": "2026-11-20T10:00:00+00:00"},
    )
    assert response.status_code == 201 and response.json()["author_id"] == rep.pk
    assert api.post(f"deals/{deal.pk}/activities", {"kind": "fax", "body": "x"}).status_code == 400
    api.post(f"deals/{deal.pk}/transitions/qualify")
    timeline = api.get(f"deals/{deal.pk}/timeline").json()["items"]
    assert [(e["kind"], e["from_stage"], e["to_stage"]) for e in timeline] == [
        ("stage_change", "lead", "qualified"),
        ("call", None, None),
    ]
    assert api.get(f"deals/{deal.pk}/activities").json()["count"] == 1


def test_deal_list_filters(rep, other_rep):
    mine = DealFactory(owner=rep, title="Mine")
    DealFactory(owner=other_rep, title="Theirs", next_action_due_date=dt.date(2020, 1, 1))
    api = Api(rep)
    assert [d["id"] for d in api.get(f"deals?owner_id={rep.pk}").json()["items"]] == [mine.pk]
    assert [d["title"] for d in api.get("deals?overdue=true").json()["items"]] == ["Theirs"]
    assert [d["title"] for d in api.get("deals?q=mine").json()["items"]] == ["Mine"]
    assert api.get("deals?stage=nope").status_code == 400
    assert api.get(f"deals?company_id={mine.company_id}").json()["count"] == 1


def test_companies_and_contacts(rep, other_rep):
    api = Api(rep)
    response = api.post("companies", {"name": "Globex", "domain": "https://www.globex.example/"})
    assert (response.status_code, response.json()["domain"], response.json()["owner_id"]) == (
        201,
        "globex.example",
        rep.pk,
    )
    company_id = response.json()["id"]
    dup = api.post("companies", {"name": "Globex 2", "domain": "GLOBEX.example"})
    assert dup.status_code == 422 and list(dup.json()["errors"]) == ["domain"]
    response = api.post(
        "contacts", {"first_name": "Ann", "email": "ann@globex.example", "company_id": company_id}
    )
    assert response.status_code == 201
    assert api.post("contacts", {"first_name": "Ann", "company_id": 99999}).json()["errors"] == {
        "company_id": ["No company with id 99999."]
    }
    assert Api(other_rep).patch(f"companies/{company_id}", {"name": "Hijack"}).status_code == 403
    assert (
        api.patch(f"companies/{company_id}", {"name": "Globex Inc", "version": 1}).json()["name"]
        == "Globex Inc"
    )
    assert api.patch(f"companies/{company_id}", {"name": "Stale", "version": 1}).status_code == 409


def test_reference_lists_and_pipeline_report(rep):
    DealFactory(owner=rep, amount=Decimal("1000"))
    DealFactory(owner=rep, proposal=True, amount=Decimal("4000"))
    api = Api(rep)
    assert "Website" in [s["name"] for s in api.get("lead-sources").json()["items"]]
    assert "Price" in [s["name"] for s in api.get("lost-reasons").json()["items"]]
    report = api.get("reports/pipeline").json()
    assert {row.pop("currency") for row in report} == {"EUR"}  # the installation's, each row
    assert report == [
        {"stage": "lead", "count": 1, "total": "1000.00", "weighted": "100.00"},
        {"stage": "qualified", "count": 0, "total": "0.00", "weighted": "0.00"},
        {"stage": "proposal", "count": 1, "total": "4000.00", "weighted": "2000.00"},
        {"stage": "negotiation", "count": 0, "total": "0.00", "weighted": "0.00"},
        {"stage": "won", "count": 0, "total": "0.00", "weighted": "0.00"},
        {"stage": "lost", "count": 0, "total": "0.00", "weighted": "0.00"},
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "rep",
            {
                "list": 200,
                "get_open": 200,
                "get_won": 200,
                "patch_other": 403,
                "companies": 200,
                "create": 201,
                "report": 200,
            },
        ),
        (
            "manager",
            {
                "list": 200,
                "get_open": 200,
                "get_won": 200,
                "patch_other": 200,
                "companies": 200,
                "create": 201,
                "report": 200,
            },
        ),
        (
            "lead",
            {
                "list": 200,
                "get_open": 404,
                "get_won": 200,
                "patch_other": 404,
                "companies": 200,
                "create": 403,
                "report": 403,
            },
        ),
        (
            "member",
            {
                "list": 200,
                "get_open": 404,
                "get_won": 404,  # only through a project they work on (none here)
                "patch_other": 404,
                "companies": 200,
                "create": 403,
                "report": 403,
            },
        ),
        (
            "no_role",
            {
                "list": 200,
                "get_open": 404,
                "get_won": 404,
                "patch_other": 404,
                "companies": 403,
                "create": 403,
                "report": 403,
            },
        ),
    ],
)
def test_api_role_matrix(request, other_rep, role, expected):
    user = request.getfixturevalue(role)
    company = CompanyFactory(owner=other_rep)
    open_deal = DealFactory(owner=other_rep, company=company)
    won = DealFactory(owner=other_rep, company=company, won=True)
    api = Api(user)
    got = {
        "list": api.get("deals").status_code,
        "get_open": api.get(f"deals/{open_deal.pk}").status_code,
        "get_won": api.get(f"deals/{won.pk}").status_code,
        "patch_other": api.patch(f"deals/{open_deal.pk}", {"title": "Mine"}).status_code,
        "companies": api.get("companies").status_code,
        "create": api.post("deals", new_deal_body(company)).status_code,
        "report": api.get("reports/pipeline").status_code,
    }
    assert got == expected
    visible = {d["id"] for d in api.get("deals").json()["items"]}
    assert visible == {
        "rep": {open_deal.pk, won.pk},
        "manager": {open_deal.pk, won.pk},
        "lead": {won.pk},
        "member": set(),
        "no_role": set(),
    }[role] | (
        {d.pk for d in Deal.objects.filter(title="Website")} if expected["create"] == 201 else set()
    )


def test_anonymous_api_is_401(company):
    assert Client().get("/api/v1/deals").status_code == 401
    assert Client().post("/api/v1/deals", "{}", content_type="application/json").status_code == 401


def test_session_writes_need_the_csrf_token(rep, company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post(
        "/api/v1/deals", json.dumps(new_deal_body(company)), content_type="application/json"
    )
    assert response.status_code == 403
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/deals",
        json.dumps(new_deal_body(company)),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_people_moving_the_same_deal_one_wins_the_other_gets_409(rep, manager):
    deal = DealFactory(owner=rep, qualification_notes="ok")
    apis = [Api(rep), Api(manager)]
    barrier = threading.Barrier(2)
    results = []

    def move(api):
        try:
            version = api.get(f"deals/{deal.pk}").json()["version"]
            barrier.wait()
            results.append(
                api.post(f"deals/{deal.pk}/transitions/qualify", {"version": version}).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(api,)) for api in apis]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    assert StageChange.objects.filter(deal=deal).count() == 1
    assert Deal.objects.get(pk=deal.pk).stage == "qualified"


def test_contact_belongs_to_company_check(rep, company):
    contact = ContactFactory()
    response = Api(rep).post("deals", new_deal_body(company, contact_id=contact.pk))
    assert response.status_code == 422 and list(response.json()["errors"]) == ["contact_id"]


# Issue 11 ---------------------------------------------------------------------------------


def test_a_stage_patch_by_someone_who_may_not_edit_is_403(rep, other_rep):
    deal = DealFactory(owner=rep)
    response = Api(other_rep).patch(f"deals/{deal.pk}", {"stage": "won"})
    assert response.status_code == 403
    response = Api(rep).patch(f"deals/{deal.pk}", {"stage": "won"})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["stage"])


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_anonymous_writes_answer_401_not_a_csrf_failure(method, rep):
    deal = DealFactory(owner=rep)
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(
        f"/api/v1/deals/{deal.pk}/handoff" if method == "put" else f"/api/v1/deals/{deal.pk}",
        data="{}",
        content_type="application/json",
    )
    if method == "post":
        response = client.post("/api/v1/companies", data="{}", content_type="application/json")
    if method == "delete":
        response = client.delete("/api/v1/dependencies/1")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == "Authentication required: send a valid bearer token."


def test_the_api_names_the_transitions_of_the_fsm():
    from typing import get_args

    from api.crm import Transition
    from crm.models import PIPELINE

    assert get_args(Transition) == tuple(PIPELINE)


def test_a_won_deal_is_corrected_only_by_a_manager_with_a_reason(rep, manager):
    deal = DealFactory(owner=rep, won=True, amount=Decimal("1000.00"))
    response = Api(rep).patch(f"deals/{deal.pk}", {"amount": "2000.00"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "amount": ["This deal is won: only a sales manager can correct it, with a reason."]
    }
    response = Api(manager).patch(
        f"deals/{deal.pk}", {"amount": "2000.00", "correction_reason": "Signed order"}
    )
    assert (response.status_code, response.json()["amount"]) == (200, "2000.00")


def test_deals_page_by_cursor_through_the_whole_list_as_offset_does(rep, company):
    import base64

    same_moment = DealFactory(owner=rep, company=company).updated_at
    for _ in range(6):
        DealFactory(owner=rep, company=company)
    Deal.objects.filter(pk__in=list(Deal.objects.values_list("pk", flat=True)[:4])).update(
        updated_at=same_moment  # ties on updated_at are broken by id
    )
    api = Api(rep)
    by_offset = [d["id"] for d in api.get("deals?limit=50").json()["items"]]
    seen, after, pages = [], "", 0
    while True:
        body = api.get(f"deals?limit=3{'&after=' + after if after else ''}").json()
        assert body["count"] == 7
        seen += [d["id"] for d in body["items"]]
        pages += 1
        if body["next_after"] is None:
            break
        after = body["next_after"]
    assert (seen, pages) == (by_offset, 3)
    naive = base64.urlsafe_b64encode(b"2026-01-01T00:00:00|5").decode().rstrip("=")
    for bad in ("bm9wZQ", naive):
        response = api.get(f"deals?after={bad}")
        assert response.status_code == 422
        assert response.json()["errors"] == {"after": ["Not a cursor from this list."]}
    assert api.get("deals?after=not*a*cursor").status_code == 400
