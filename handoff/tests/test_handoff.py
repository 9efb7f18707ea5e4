"""R5-R7: the closed-won gate, the promise check, exactly one kickoff project."""

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_fsm import TransitionNotAllowed

from accounts.roles import Role
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from crm import services as crm_services
from crm.models import Deal, StageChange
from crm.services import WinPermit
from crm.tests.factories import ContactFactory, DealFactory
from handoff import services
from handoff.models import Handoff
from handoff.tests.factories import HandoffFactory
from projects.models import Milestone, Project, Task

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def state(deal: Deal) -> tuple:
    fresh = Deal.objects.get(pk=deal.pk)
    return (
        fresh.stage,
        fresh.version,
        Project.objects.count(),
        StageChange.objects.filter(deal=deal).count(),
    )


@pytest.mark.parametrize("field", services.REQUIRED)
def test_win_refused_for_each_missing_field(rep, field):
    attribute = field.removesuffix("_id")
    handoff = HandoffFactory(
        deal__owner=rep, **{attribute: "" if field in services.TEXT_FIELDS else None}
    )
    before = state(handoff.deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_win(deal=handoff.deal, by=rep)
    assert excinfo.value.message_dict == {field: [services.REQUIRED_MESSAGES[field]]}
    assert state(handoff.deal) == before


def test_win_refused_without_any_handoff(rep):
    deal = DealFactory(owner=rep, proposal=True)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_win(deal=deal, by=rep)
    assert sorted(excinfo.value.message_dict) == sorted(services.REQUIRED)
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_kickoff_in_the_past_is_refused(rep):
    handoff = HandoffFactory(deal__owner=rep, kickoff_date=dt.date(2026, 11, 25))
    with pytest.raises(ValidationError) as excinfo:
        services.deal_win(deal=handoff.deal, by=rep)
    assert excinfo.value.message_dict == {
        "kickoff_date": ["The kickoff date cannot be in the past."]
    }
    assert Project.objects.count() == 0


def test_stakeholder_must_belong_to_the_deal_company_and_lead_must_lead(rep, member):
    deal = DealFactory(owner=rep, proposal=True)
    stranger = ContactFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.handoff_save_draft(
            deal=deal, by=rep, main_stakeholder=stranger, delivery_lead=member
        )
    assert sorted(excinfo.value.message_dict) == ["delivery_lead_id", "main_stakeholder_id"]
    assert not Handoff.objects.exists()


def test_a_draft_can_be_saved_at_any_stage_by_the_owner_only(rep, other_rep):
    deal = DealFactory(owner=rep)
    handoff = services.handoff_save_draft(deal=deal, by=rep, scope_summary="  A shop  ")
    assert (handoff.scope_summary, handoff.version, services.handoff_missing(handoff)) == (
        "A shop",
        1,
        [f for f in services.REQUIRED if f != "scope_summary"],
    )
    with pytest.raises(PermissionDenied):
        services.handoff_save_draft(deal=deal, by=other_rep, scope_summary="Mine")
    assert Handoff.objects.get().scope_summary == "A shop"


def test_win_from_lead_is_refused(rep):
    handoff = HandoffFactory(deal=DealFactory(owner=rep))
    with pytest.raises(ValidationError) as excinfo:
        services.deal_win(deal=handoff.deal, by=rep)
    assert list(excinfo.value.message_dict) == ["stage"]


def test_promise_check_met_and_failed():
    handoff = HandoffFactory()
    check = services.promise_check(
        template=handoff.template,
        kickoff_date=dt.date(2026, 11, 30),
        promised_date=dt.date(2026, 12, 30),
    )
    assert (check.planned_finish, check.ok) == (dt.date(2026, 12, 30), True)
    check = services.promise_check(
        template=handoff.template,
        kickoff_date=dt.date(2026, 11, 30),
        promised_date=dt.date(2026, 12, 29),
    )
    assert (check.ok, check.late_by_days) == (False, 1)
    assert services.promise_check(template=None, kickoff_date=None, promised_date=None).ok is None


def test_a_failed_promise_blocks_win_unless_overridden(rep):
    handoff = HandoffFactory(deal__owner=rep, promised_date=dt.date(2026, 12, 15))
    before = state(handoff.deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_win(deal=handoff.deal, by=rep)
    assert list(excinfo.value.message_dict) == ["override_reason"]
    assert excinfo.value.message_dict["override_reason"][0].startswith(
        "The plan finishes on 30 Dec 2026, after the promised 15 Dec 2026."
    )
    assert state(handoff.deal) == before
    deal = services.deal_win(
        deal=handoff.deal, by=rep, override_reason="Customer accepts a phased go-live"
    )
    handoff.refresh_from_db()
    assert deal.stage == "won"
    assert handoff.override_reason == "Customer accepts a phased go-live"
    assert (
        StageChange.objects.get(deal=deal, to_stage="won").override_reason
        == "Customer accepts a phased go-live"
    )
    project = handoff.project
    assert (project.at_risk, project.planned_finish, project.promised_date) == (
        True,
        dt.date(2026, 12, 30),
        dt.date(2026, 12, 15),
    )


def test_winning_creates_the_kickoff_project_from_the_template(rep):
    handoff = HandoffFactory(deal__owner=rep)
    deal = services.deal_win(deal=handoff.deal, by=rep)
    handoff.refresh_from_db()
    project = handoff.project
    assert (deal.stage, deal.probability, deal.won_at) == ("won", 100, NOW)
    assert (project.name, project.company_id, project.delivery_lead, project.start_date) == (
        deal.title,
        deal.company_id,
        handoff.delivery_lead,
        dt.date(2026, 11, 30),
    )
    assert (project.promised_date, project.at_risk, project.description) == (
        dt.date(2027, 6, 30),
        False,
        handoff.scope_summary,
    )
    tasks = list(Task.objects.filter(project=project).order_by("planned_start", "pk"))
    assert len(tasks) == 9
    assert (tasks[0].title, tasks[0].planned_start) == ("Kickoff meeting", dt.date(2026, 11, 30))
    assert all(
        (t.baseline_start, t.baseline_finish) == (t.planned_start, t.planned_finish) for t in tasks
    )
    assert Milestone.objects.filter(project=project).count() == 3
    assert project.planned_finish == project.baseline_finish == dt.date(2026, 12, 30)


def test_a_second_win_never_makes_a_second_project(rep):
    handoff = HandoffFactory(deal__owner=rep)
    stale = Deal.objects.get(pk=handoff.deal_id)
    services.deal_win(deal=handoff.deal, by=rep)
    from records import EditConflict

    with pytest.raises(EditConflict):
        services.deal_win(deal=stale, by=rep)
    assert Project.objects.count() == 1


def test_the_plain_win_transition_cannot_be_reached_around_the_gate(rep):
    handoff = HandoffFactory(deal__owner=rep)
    deal = handoff.deal
    with pytest.raises(TransitionNotAllowed):
        deal.win()
    with pytest.raises(ValidationError):
        crm_services.deal_transition(deal=deal, by=rep, name="win")
    with pytest.raises(ValidationError):
        crm_services.deal_win(deal=deal, by=rep, permit=None)
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"
    assert isinstance(WinPermit(handoff_id=1), WinPermit)


def test_at_risk_follows_schedule_changes(rep, lead):
    handoff = HandoffFactory(
        deal__owner=rep, delivery_lead=lead, promised_date=dt.date(2026, 12, 31)
    )
    services.deal_win(deal=handoff.deal, by=rep)
    handoff.refresh_from_db()
    project = handoff.project
    assert project.at_risk is False
    from projects import services as project_services

    build = Task.objects.get(project=project, title="Build")
    project_services.task_update(by=lead, task=build, duration_days=12)
    project.refresh_from_db()
    assert (project.planned_finish, project.at_risk) == (dt.date(2027, 1, 1), True)
    project_services.task_update(by=lead, task=Task.objects.get(pk=build.pk), duration_days=10)
    project.refresh_from_db()
    assert (project.planned_finish, project.at_risk) == (dt.date(2026, 12, 30), False)


# Browser views -------------------------------------------------------------------------------


def test_deal_page_shows_the_handoff_panel_with_missing_fields(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    client.force_login(rep)
    response = client.get(reverse("crm:deal-detail", args=[deal.pk]))
    assert b'id="handoff"' in response.content
    assert b"8 missing" in response.content
    assert b"Win deal and start the project" in response.content


def test_live_promise_check_fragment(client, rep):
    handoff = HandoffFactory(deal__owner=rep)
    client.force_login(rep)
    url = reverse("handoff:promise-check", args=[handoff.deal_id])
    response = client.get(
        url,
        {
            "template": handoff.template_id,
            "kickoff_date": "2026-11-30",
            "promised_date": "2026-12-10",
        },
        headers={"HX-Request": "true"},
    )
    assert b"Promise at risk." in response.content and b"20 days after" in response.content
    response = client.get(
        url,
        {
            "template": handoff.template_id,
            "kickoff_date": "2026-11-30",
            "promised_date": "2027-01-10",
        },
        headers={"HX-Request": "true"},
    )
    assert b"Promise met." in response.content
    response = client.get(
        url, {"template": "x", "kickoff_date": "garbage"}, headers={"HX-Request": "true"}
    )
    assert (
        response.status_code == 200 and b"Choose a template and a kickoff date" in response.content
    )


def test_win_through_the_form_lands_on_the_project(client, rep):
    handoff = HandoffFactory(deal__owner=rep)
    client.force_login(rep)
    data = {
        "scope_summary": handoff.scope_summary,
        "promised_date": "2026-12-10",
        "promised_timeline": "Soon",
        "key_constraints": "None",
        "main_stakeholder": handoff.main_stakeholder_id,
        "kickoff_date": "2026-11-30",
        "template": handoff.template_id,
        "delivery_lead": handoff.delivery_lead_id,
        "override_reason": "",
    }
    response = client.post(
        reverse("handoff:win", args=[handoff.deal_id]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert (
        response.context["form"]
        .errors["override_reason"][0]
        .startswith("The plan finishes on 30 Dec 2026, after the promised ")
    )
    assert Project.objects.count() == 0
    response = client.post(
        reverse("handoff:win", args=[handoff.deal_id]),
        {**data, "override_reason": "Agreed"},
        headers={"HX-Request": "true"},
    )
    project = Project.objects.get()
    assert response.status_code == 204 and response["HX-Redirect"] == f"/projects/{project.pk}/"


def badge(response) -> str:
    html = response.content.decode()
    start = html.index('id="handoff-badge">') + len('id="handoff-badge">')
    return html[start : html.index("</span>", start)]


@pytest.mark.parametrize(
    ("change", "expected", "reason_field"),
    [
        ({}, "Ready to win", None),
        ({"promised_date": dt.date(2026, 12, 15)}, "Blocked: promise override", "override_reason"),
        ({"kickoff_date": dt.date(2026, 11, 25)}, "Blocked: kickoff date", "kickoff_date"),
        ({"deal__qualified": True}, "Blocked: propose first", "stage"),
        ({"delivery_lead": None}, "Blocked: 1 missing", None),
    ],
)
def test_the_handoff_badge_says_what_the_win_check_says(
    client, rep, change, expected, reason_field
):
    deal_traits = {k: v for k, v in change.items() if k.startswith("deal__")}
    if deal_traits:
        change = {"deal": DealFactory(owner=rep, qualified=True)}
    handoff = HandoffFactory(deal__owner=rep, **change)
    client.force_login(rep)
    response = client.get(reverse("crm:deal-detail", args=[handoff.deal_id]))
    assert badge(response) == expected
    refusals = services.win_refusals(
        deal=handoff.deal, handoff=handoff, today=dt.date(2026, 11, 26)
    )
    if reason_field:  # the gate's own words, under the badge
        assert list(refusals) == [reason_field]
        assert escape(refusals[reason_field][0]) in response.content.decode()
    if expected == "Ready to win":
        assert refusals == {} and b"the deal can be won." in response.content
    if expected == "Blocked: 1 missing":
        assert b"<li>Still needed to win: delivery lead.</li>" in response.content


def test_save_draft_answers_the_panel_in_place(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    other = ContactFactory()  # of another company
    client.force_login(rep)
    url = reverse("handoff:handoff-save", args=[deal.pk])
    data = {
        "scope_summary": "Typed scope",
        "main_stakeholder": other.pk,
        "kickoff_date": "3000-01-01",
    }
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="handoff"') and "<html" not in html
    assert set(response.context["form"].errors) == {"main_stakeholder", "kickoff_date"}
    assert "Typed scope</textarea>" in html and 'value="3000-01-01"' in html
    assert not Handoff.objects.exists()
    response = client.post(
        url,
        {"scope_summary": "Typed scope", "kickoff_date": "2026-11-30"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="handoff"')
    assert (
        '<ul class="messages in-place" role="status"><li class="success">Handoff draft saved.'
        in html
    )
    assert list(response.wsgi_request._messages) == []  # said here, not on the next page
    saved = Handoff.objects.get(deal=deal)
    assert (saved.scope_summary, saved.kickoff_date) == ("Typed scope", dt.date(2026, 11, 30))


def test_a_refused_win_keeps_what_was_typed(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    stakeholder = ContactFactory(company=deal.company)
    template = HandoffFactory.template.function()
    client.force_login(rep)
    data = {
        "scope_summary": "Typed scope",
        "key_constraints": "Typed constraints",
        "main_stakeholder": stakeholder.pk,
        "template": template.pk,
        "kickoff_date": "2026-11-30",
        "promised_date": "2026-12-15",
        "promised_timeline": "Typed timeline",
        "override_reason": "Typed override",
    }
    before = state(deal)
    response = client.post(
        reverse("handoff:win", args=[deal.pk]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="handoff"')
    assert response.context["form"].errors == {"delivery_lead": ["Choose the delivery lead."]}
    for typed in (
        "Typed scope</textarea>",
        "Typed constraints</textarea>",
        "Typed timeline</textarea>",
    ):
        assert typed in html
    assert (
        f'<input type="hidden" name="main_stakeholder" id="id_main_stakeholder" '
        f'value="{stakeholder.pk}">'
    ) in html
    assert f'value="{stakeholder.full_name}" role="combobox"' in html
    assert f'<option value="{template.pk}" selected>' in html
    assert 'value="2026-11-30"' in html and 'value="2026-12-15"' in html
    assert ">Typed override</textarea>" in html  # the promise fails: the reason stays asked
    assert badge(response) == "Blocked: 1 missing"
    assert state(deal) == before and not Handoff.objects.exists()


def test_a_refused_win_without_htmx_answers_the_deal_page_as_typed(client, rep):
    deal = DealFactory(owner=rep, proposal=True, title="Acme shop")
    client.force_login(rep)
    response = client.post(
        reverse("handoff:win", args=[deal.pk]),
        {"scope_summary": "Typed scope", "kickoff_date": "2026-11-30"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and '<h1 id="deal-title">Acme shop</h1>' in html
    assert "Typed scope</textarea>" in html and 'value="2026-11-30"' in html
    assert "Choose the delivery lead." in html
    assert not Handoff.objects.exists()


def test_the_handoff_panel_alone_for_a_dialog(client, rep, other_rep, lead):
    deal = DealFactory(owner=rep, proposal=True)
    url = reverse("handoff:handoff-panel", args=[deal.pk])
    client.force_login(rep)
    response = client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="handoff"')
    assert "<html" not in html and "Win deal and start the project" in html
    assert 'hx-target="#handoff"' in html
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/#handoff"
    client.force_login(other_rep)  # reads the deal, may not edit its handoff: no form
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"<form" not in response.content
    client.force_login(lead)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404


def test_handoff_views_role_matrix(client, rep, other_rep, lead):
    deal = DealFactory(owner=rep, proposal=True)
    for user, expected in ((other_rep, 403), (lead, 404)):
        client.force_login(user)
        assert (
            client.post(
                reverse("handoff:handoff-save", args=[deal.pk]), {"scope_summary": "x"}
            ).status_code
            == expected
        )
        assert client.post(reverse("handoff:win", args=[deal.pk]), {}).status_code == expected
    client.force_login(lead)
    assert client.get(reverse("handoff:promise-check", args=[deal.pk])).status_code == 404
    assert not Handoff.objects.exists()


# API ----------------------------------------------------------------------------------------


def api(user) -> Client:
    _, raw = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_api_handoff_put_get_and_promise_check(rep):
    handoff = HandoffFactory(deal__owner=rep)
    client = api(rep)
    url = f"/api/v1/deals/{handoff.deal_id}/handoff"
    response = client.put(
        url,
        json.dumps({"promised_date": "2026-12-20", "main_stakeholder_id": 999999}),
        content_type="application/json",
    )
    assert response.status_code == 422 and list(response.json()["errors"]) == [
        "main_stakeholder_id"
    ]
    response = client.put(
        url,
        json.dumps({"promised_date": "2026-12-20", "scope_summary": ""}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["missing"] == ["scope_summary"]
    check = client.get(f"/api/v1/deals/{handoff.deal_id}/promise-check").json()
    # Too little history: the plain check, the forecast fields null.
    assert check == {
        "planned_finish": "2026-12-30",
        "promised_date": "2026-12-20",
        "ok": False,
        "probability": None,
        "p50_finish": None,
        "p80_finish": None,
        "history_count": None,
        "min_probability": None,
    }


def test_api_win_with_override_and_project_fields(rep):
    handoff = HandoffFactory(deal__owner=rep, promised_date=dt.date(2026, 12, 20))
    client = api(rep)
    url = f"/api/v1/deals/{handoff.deal_id}/transitions/win"
    response = client.post(url, "{}", content_type="application/json")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["override_reason"]
    response = client.post(
        url, json.dumps({"override_reason": "Phased"}), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    handoff.refresh_from_db()
    assert (body["stage"], body["project_id"]) == ("won", handoff.project_id)


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_wins_one_succeeds_one_project(rep):
    with time_machine.travel(NOW, tick=False):
        handoff = HandoffFactory(deal__owner=rep)
        clients = [api(rep) for _ in range(8)]
    barrier = threading.Barrier(8)
    results: list[int] = []

    def win(client):
        try:
            barrier.wait()
            with time_machine.travel(NOW, tick=False):
                results.append(
                    client.post(
                        f"/api/v1/deals/{handoff.deal_id}/transitions/win",
                        "{}",
                        content_type="application/json",
                    ).status_code
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=win, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7
    assert Project.objects.count() == 1
    assert StageChange.objects.filter(deal_id=handoff.deal_id, to_stage="won").count() == 1


def test_admin_win_action_runs_the_gate(client, admin_user, rep):
    ready = HandoffFactory(deal__owner=rep)
    unready = HandoffFactory(deal__owner=rep, scope_summary="")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:handoff_handoff_changelist"),
        {"action": "win", "_selected_action": [ready.pk, unready.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert f"“{ready.deal}” won; its project was created." in texts
    assert f"“{unready.deal}” not won: scope_summary: Summarise the scope that was sold." in texts
    assert Project.objects.count() == 1


def test_delivery_lead_sees_the_won_deal_context(client, rep):
    lead = UserFactory(username="dl", role=Role.DELIVERY_LEAD)
    handoff = HandoffFactory(deal__owner=rep, delivery_lead=lead)
    services.deal_win(deal=handoff.deal, by=rep)
    client.force_login(lead)
    response = client.get(reverse("crm:deal-detail", args=[handoff.deal_id]))
    assert response.status_code == 200 and b"Handoff to delivery" in response.content


def test_project_page_shows_the_deal_context_and_sales_read_their_own(
    client, rep, other_rep, manager, lead
):
    handoff = HandoffFactory(
        deal__owner=rep, delivery_lead=lead, promised_date=dt.date(2026, 12, 20)
    )
    services.deal_win(deal=handoff.deal, by=rep, override_reason="Phased go-live agreed")
    handoff.refresh_from_db()
    url = reverse("projects:project-detail", args=[handoff.project_id])
    client.force_login(lead)
    response = client.get(url)
    assert response.status_code == 200
    for text in (
        b"Handoff from sales",
        b"Phased go-live agreed",
        handoff.main_stakeholder.email.encode(),
        b"Brand guidelines; no downtime.",
    ):
        assert text in response.content
    assert f'href="/deals/{handoff.deal_id}/"'.encode() in response.content
    got = {}
    for name, user in (("rep", rep), ("other_rep", other_rep), ("manager", manager)):
        client.force_login(user)
        got[name] = client.get(url).status_code
    assert got == {"rep": 200, "other_rep": 404, "manager": 200}
    client.force_login(rep)
    assert (
        client.post(reverse("projects:project-baseline", args=[handoff.project_id])).status_code
        == 403
    )
    listed = client.get(reverse("projects:project-list"))
    assert [p.pk for p in listed.context["projects"]] == [handoff.project_id]
    deal_page = client.get(reverse("crm:deal-detail", args=[handoff.deal_id]))
    assert b"0 of 9 tasks done (0%)" in deal_page.content and b"At risk" in deal_page.content


def test_api_project_carries_the_handoff_fields(rep, lead):
    handoff = HandoffFactory(deal__owner=rep, delivery_lead=lead)
    services.deal_win(deal=handoff.deal, by=rep)
    handoff.refresh_from_db()
    body = api(lead).get(f"/api/v1/projects/{handoff.project_id}").json()
    assert {
        k: body[k]
        for k in (
            "deal_id",
            "kickoff_date",
            "promised_date",
            "scope_summary",
            "key_constraints",
            "main_stakeholder_id",
            "at_risk",
        )
    } == {
        "deal_id": handoff.deal_id,
        "kickoff_date": "2026-11-30",
        "promised_date": "2027-06-30",
        "scope_summary": "Relaunch the website with a shop.",
        "key_constraints": "Brand guidelines; no downtime.",
        "main_stakeholder_id": handoff.main_stakeholder_id,
        "at_risk": False,
    }
    listed = api(lead).get("/api/v1/projects").json()["items"]
    assert [p["deal_id"] for p in listed] == [handoff.deal_id]
    assert api(rep).get(f"/api/v1/projects/{handoff.project_id}").status_code == 200


def test_api_win_with_a_stale_version_is_409_and_changes_nothing(rep):
    handoff = HandoffFactory(deal__owner=rep)
    read = handoff.deal.version
    crm_services.deal_update(deal=handoff.deal, by=rep, title="Renamed meanwhile")
    response = api(rep).post(
        f"/api/v1/deals/{handoff.deal_id}/transitions/win",
        json.dumps({"version": read}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert Deal.objects.get(pk=handoff.deal_id).stage == "proposal"
    assert Project.objects.count() == 0


def test_delivery_members_read_the_won_deal_of_their_project_only(client, rep, member):
    from crm import selectors as crm_selectors

    handoff = HandoffFactory(deal__owner=rep, deal__proposal=True)
    deal = services.deal_win(deal=handoff.deal, by=rep)
    other = services.deal_win(
        deal=HandoffFactory(deal__owner=rep, deal__proposal=True).deal, by=rep
    )
    project = Project.objects.get(handoff__deal=deal)
    project.members.add(member)
    assert list(crm_selectors.deal_visible_to(member)) == [deal]
    assert member.has_perm("crm.view_deal", deal) and not member.has_perm("crm.view_deal", other)
    client.force_login(member)
    assert client.get(reverse("crm:deal-detail", args=[deal.pk])).status_code == 200
    assert client.get(reverse("crm:deal-detail", args=[other.pk])).status_code == 404


def test_the_delivery_lead_choices_are_the_people_a_handoff_accepts(lead, admin_user, rep):
    from handoff.forms import HandoffForm

    other = UserFactory(username="zoe_lead", role=Role.DELIVERY_LEAD)
    UserFactory(username="gone_lead", role=Role.DELIVERY_LEAD, is_active=False)
    choices = list(HandoffForm(deal=DealFactory(owner=rep)).fields["delivery_lead"].queryset)
    assert choices == sorted([lead, other], key=lambda u: u.username)
    assert admin_user.has_role(Role.ADMIN) and admin_user not in choices  # refused on save


@pytest.mark.parametrize(
    ("stage", "drafted", "open_"),
    [
        ("lead", False, False),  # early: the draft waits behind one button
        ("qualified", False, False),
        ("qualified", True, True),  # begun: open
        ("proposal", False, True),
        ("negotiation", False, True),
    ],
)
def test_the_handoff_draft_opens_from_proposal_or_once_begun(client, rep, stage, drafted, open_):
    deal = DealFactory(
        owner=rep, stage=stage, qualification_notes="Budget confirmed.", amount=10000
    )
    if drafted:
        Handoff.objects.create(deal=deal, scope_summary="A portal.")
    client.force_login(rep)
    page = client.get(reverse("crm:deal-detail", args=[deal.pk])).content.decode()
    assert ('<details class="handoff-draft" open>' in page) is open_
    assert ('<details class="handoff-draft">' in page) is not open_
    assert '<summary class="button secondary small">Prepare the handoff</summary>' in page
