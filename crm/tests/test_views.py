"""Browser views: the role matrix, htmx fragments, and the rules through the forms and the board."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import selectors
from crm.models import Activity, Company, Contact, Deal, LostReason, StageChange
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db

DUE = "2026-12-01"


@pytest.fixture
def users(rep, other_rep, manager, lead, member, no_role, admin_user):
    return {
        "rep": rep,
        "other_rep": other_rep,
        "manager": manager,
        "lead": lead,
        "member": member,
        "no_role": no_role,
        "admin": admin_user,
    }


@pytest.fixture
def world(rep):
    company = CompanyFactory(owner=rep, name="Acme", domain="acme.example")
    contact = ContactFactory(company=company, owner=rep)
    deal = DealFactory(owner=rep, company=company, contact=contact, title="Acme relaunch")
    won = DealFactory(owner=rep, company=company, won=True, title="Acme won")
    lost = DealFactory(owner=rep, company=company, lost=True, title="Acme lost")
    return {"company": company, "contact": contact, "deal": deal, "won": won, "lost": lost}


def status_for(client, user, method, url, data=None):
    client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    client.logout()
    return response.status_code


# url name, args key, method, data, expected per role (rep owns everything)
MATRIX = [
    (
        "crm:pipeline",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=403, member=403, no_role=403),
    ),
    (
        "crm:deal-list",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=403, member=403, no_role=403),
    ),
    (
        "crm:deal-create",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=403, member=403, no_role=403),
    ),
    (
        "crm:deal-detail",
        "deal",
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=404, member=404, no_role=404),
    ),
    (
        "crm:deal-detail",
        "won",
        "get",
        None,
        # A member reads a won deal only through a project they work on (none here).
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=200, member=404, no_role=404),
    ),
    (
        "crm:deal-edit",
        "deal",
        "get",
        None,
        dict(rep=200, other_rep=403, manager=200, admin=200, lead=404, member=404, no_role=404),
    ),
    (
        "crm:deal-edit",
        "won",
        "get",
        None,
        dict(rep=200, other_rep=403, manager=200, admin=200, lead=403, member=404, no_role=404),
    ),
    (
        "crm:deal-complete-next-action",
        "deal",
        "post",
        {},
        dict(rep=422, other_rep=403, manager=422, admin=422, lead=404, member=404, no_role=404),
    ),
    (
        "crm:deal-activity-create",
        "deal",
        "post",
        {"kind": "note", "body": "Hi"},
        dict(rep=302, other_rep=302, manager=302, admin=302, lead=404, member=404, no_role=404),
    ),
    (
        "crm:company-list",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=200, member=200, no_role=403),
    ),
    (
        "crm:company-create",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=403, member=403, no_role=403),
    ),
    (
        "crm:company-detail",
        "company",
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=200, member=200, no_role=404),
    ),
    (
        "crm:company-edit",
        "company",
        "get",
        None,
        dict(rep=200, other_rep=403, manager=200, admin=200, lead=403, member=403, no_role=404),
    ),
    (
        "crm:company-check-domain",
        None,
        "get",
        None,
        dict(rep=200, manager=200, lead=403, no_role=403),
    ),
    (
        "crm:contact-list",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=200, member=200, no_role=403),
    ),
    (
        "crm:contact-create",
        None,
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=403, member=403, no_role=403),
    ),
    (
        "crm:contact-detail",
        "contact",
        "get",
        None,
        dict(rep=200, other_rep=200, manager=200, admin=200, lead=200, member=200, no_role=404),
    ),
    (
        "crm:contact-edit",
        "contact",
        "get",
        None,
        dict(rep=200, other_rep=403, manager=200, admin=200, lead=403, member=403, no_role=404),
    ),
    (
        "crm:contact-check-email",
        None,
        "get",
        None,
        dict(rep=200, manager=200, lead=403, no_role=403),
    ),
    ("dashboards:search", None, "get", None, dict(rep=200, lead=200, no_role=200)),
    (
        "dashboards:my-work",
        None,
        "get",
        None,
        dict(rep=200, manager=200, lead=200, member=200, no_role=200),
    ),
]


@pytest.mark.parametrize(
    ("name", "key", "method", "data", "expected"), MATRIX, ids=[f"{m[0]}-{m[1]}" for m in MATRIX]
)
def test_role_matrix(client, users, world, name, key, method, data, expected):
    url = reverse(name, args=[world[key].pk]) if key else reverse(name)
    got = {role: status_for(client, users[role], method, url, data) for role in expected}
    assert got == expected
    assert client.get(url).status_code == 302  # anonymous: to sign-in


@pytest.mark.parametrize(
    ("transition", "key", "expected"),
    [
        ("qualify", "deal", dict(rep=422, other_rep=403, manager=422, lead=404, no_role=404)),
        ("lose", "deal", dict(rep=422, other_rep=403, manager=422, lead=404, no_role=404)),
        ("reopen", "lost", dict(rep=403, other_rep=403, manager=422, admin=422, lead=404)),
    ],
)
def test_transition_role_matrix(client, users, world, transition, key, expected):
    url = reverse("crm:deal-transition", args=[world[key].pk, transition])
    assert {role: status_for(client, users[role], "post", url) for role in expected} == expected


def test_move_role_matrix(client, users, world):
    url = reverse("crm:pipeline-move")
    data = {"deal": world["deal"].pk, "stage": "qualified"}
    got = {
        role: status_for(client, users[role], "post", url, data)
        for role in ("other_rep", "lead", "no_role")
    }
    assert got == {"other_rep": 403, "lead": 404, "no_role": 404}
    assert Deal.objects.get(pk=world["deal"].pk).stage == "lead"


def test_create_a_deal_through_the_form(client, rep, world):
    client.force_login(rep)
    response = client.post(
        reverse("crm:deal-create"),
        {
            "title": "New site",
            "company": world["company"].pk,
            "amount": "1200",
            "next_action": "Call Ann",
            "next_action_due_date": DUE,
            "next_action_due_time": "09:30",
        },
    )
    deal = Deal.objects.get(title="New site")
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    assert (deal.owner, deal.next_action, deal.next_action_due_date, deal.next_action_due_time) == (
        rep,
        "Call Ann",
        dt.date(2026, 12, 1),
        dt.time(9, 30),
    )


def test_the_form_refuses_a_deal_without_a_next_action(client, rep, world):
    client.force_login(rep)
    response = client.post(
        reverse("crm:deal-create"), {"title": "No plan", "company": world["company"].pk}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["next_action"] == ["This field is required."]
    assert response.context["form"].errors["next_action_due_date"] == ["This field is required."]
    assert not Deal.objects.filter(title="No plan").exists()


def test_bad_input_never_500s(client, rep, world):
    client.force_login(rep)
    response = client.post(
        reverse("crm:deal-create"),
        {
            "title": "x" * 5000,
            "company": "abc",
            "amount": "lots",
            "next_action": "Call",
            "next_action_due_date": "2026-13-45",
        },
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {
        "title",
        "company",
        "amount",
        "next_action_due_date",
    }
    assert (
        client.get(reverse("crm:deal-list") + "?owner=abc&stage=zzz&page=-4&sort=evil").status_code
        == 200
    )
    assert client.get(reverse("crm:pipeline") + "?column=lead&page=x&owner=0").status_code == 200
    assert client.post(reverse("crm:pipeline-move"), {"deal": "x"}).status_code == 400
    assert (
        client.post(
            reverse("crm:pipeline-move"), {"deal": world["deal"].pk, "stage": "zzz"}
        ).status_code
        == 302
    )


def test_edit_with_a_stale_version_is_a_conflict(client, rep, world):
    deal = world["deal"]
    client.force_login(rep)
    base = {
        "title": "Changed",
        "company": deal.company_id,
        "amount": "0",
        "next_action": "Call",
        "next_action_due_date": DUE,
    }
    assert (
        client.post(
            reverse("crm:deal-edit", args=[deal.pk]), {**base, "version": deal.version}
        ).status_code
        == 302
    )
    response = client.post(
        reverse("crm:deal-edit", args=[deal.pk]),
        {**base, "title": "Overwrite", "version": deal.version},
    )
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).title == "Changed"
    htmx = client.post(
        reverse("crm:deal-edit", args=[deal.pk]),
        {**base, "title": "Overwrite", "version": deal.version},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 409


def test_edit_details_answers_in_place(client, rep, world):
    deal = world["deal"]
    client.force_login(rep)
    url = reverse("crm:deal-edit", args=[deal.pk])
    base = {
        "title": "Acme relaunch 2",
        "company": deal.company_id,
        "amount": "-5",
        "next_action": "Call Anna",
        "next_action_due_date": DUE,
        "version": deal.version,
    }
    response = client.post(url, base, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="deal-form"') and 'value="Acme relaunch 2"' in html
    assert set(response.context["form"].errors) == {"amount"}
    assert Deal.objects.get(pk=deal.pk).title == "Acme relaunch"
    response = client.post(url, {**base, "amount": "5000"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#deal-fields", "outerHTML")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="deal-fields"')
    assert '<ul class="messages in-place" role="status"><li class="success">Deal saved.' in html
    assert '<h1 id="deal-title" hx-swap-oob="true">Acme relaunch 2</h1>' in html
    assert 'id="next-action" class="card" aria-labelledby="next-action-title" hx-swap-oob' in html
    assert html.count('role="status"') == 1 and list(response.wsgi_request._messages) == []
    deal.refresh_from_db()
    assert (deal.title, deal.amount, deal.next_action) == (
        "Acme relaunch 2",
        Decimal("5000.00"),
        "Call Anna",
    )


def test_complete_and_set_the_next_action_in_one_step(client, rep, world):
    deal = world["deal"]
    client.force_login(rep)
    response = client.post(
        reverse("crm:deal-complete-next-action", args=[deal.pk]),
        {
            "kind": "call",
            "outcome": "They said yes",
            "next_action": "Send contract",
            "next_action_due_date": DUE,
            "version": deal.version,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # In place: the next action card, then the history's entries out of band.
    assert html.lstrip().startswith('<section id="next-action"') and "<html" not in html
    assert '<ol id="timeline-entries" class="timeline" hx-swap-oob="true">' in html
    assert 'id="deal-main"' not in html and 'id="handoff"' not in html
    assert '<ul class="messages in-place" role="status"><li class="success">Done. The next ' in html
    assert list(response.wsgi_request._messages) == []  # nothing left for the next page
    deal.refresh_from_db()
    assert deal.next_action == "Send contract"
    assert (
        Activity.objects.filter(
            deal=deal, kind="call", body="Done: Call to follow up\nThey said yes"
        ).count()
        == 1
    )


def test_complete_next_action_refused_answers_the_card_in_place_with_the_input(client, rep, world):
    deal = world["deal"]
    before = (deal.version, deal.next_action, Activity.objects.filter(deal=deal).count())
    client.force_login(rep)
    url = reverse("crm:deal-complete-next-action", args=[deal.pk])
    data = {"kind": "meeting", "outcome": "", "next_action": "Send the contract", "version": 0}
    data["version"] = deal.version
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="next-action"') and "<html" not in html
    form = response.context["complete_form"]
    assert form.errors == {
        "outcome": ["This field is required."],
        "next_action_due_date": ["This field is required."],
    }
    assert '<details class="complete" open>' in html
    assert 'value="Send the contract"' in html and '<option value="meeting" selected>' in html
    # The form still posts to its own card, so the corrected resubmit lands in place too.
    assert 'hx-target="#next-action"' in html and 'hx-target="#deal-main"' not in html
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.version, fresh.next_action, Activity.objects.filter(deal=deal).count()) == before
    response = client.post(
        url,
        {**data, "outcome": "Agreed on scope", "next_action_due_date": DUE},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Deal.objects.get(pk=deal.pk).next_action == "Send the contract"
    assert "Done. The next action is set." in response.content.decode()


def test_complete_next_action_without_htmx_redirects_with_a_message(client, rep, world):
    deal = world["deal"]
    client.force_login(rep)
    url = reverse("crm:deal-complete-next-action", args=[deal.pk])
    response = client.post(url, {"kind": "call", "outcome": "", "version": deal.version})
    assert response.status_code == 422 and b"<html" in response.content
    response = client.post(
        url,
        {
            "kind": "call",
            "outcome": "Fine",
            "next_action": "Call again",
            "next_action_due_date": DUE,
            "version": deal.version,
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/deals/{deal.pk}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Done. The next action is set."]


def test_log_activity_refused_then_logged_in_place(client, rep, world):
    deal = world["deal"]
    client.force_login(rep)
    url = reverse("crm:deal-activity-create", args=[deal.pk])
    response = client.post(url, {"kind": "email", "body": " "}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="timeline"')
    assert response.context["activity_form"].errors == {"body": ["This field is required."]}
    assert '<option value="email" selected>' in html and 'role="status"' not in html
    assert Activity.objects.filter(deal=deal).count() == 0
    response = client.post(
        url, {"kind": "email", "body": "Sent the offer"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<ul class="messages in-place" role="status"><li class="success">Activity logged.' in html
    )
    assert "Sent the offer" in html and list(response.wsgi_request._messages) == []
    assert list(Activity.objects.filter(deal=deal).values_list("kind", "body")) == [
        ("email", "Sent the offer")
    ]


def test_refused_transition_answers_the_form_for_exactly_the_missing_fields(client, rep, world):
    deal = world["deal"]
    client.force_login(rep)
    response = client.post(
        reverse("crm:pipeline-move"),
        {"deal": deal.pk, "stage": "qualified"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.fields) == ["qualification_notes"]
    assert form.errors == {
        "qualification_notes": ["Qualification notes are required to qualify a deal."]
    }
    assert b'id="transition-form"' in response.content and b"<html" not in response.content
    assert Deal.objects.get(pk=deal.pk).stage == "lead"
    response = client.post(
        reverse("crm:deal-transition", args=[deal.pk, "qualify"]),
        {"qualification_notes": "Budget 50k, CTO decides", "next": "/pipeline/"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204 and response["HX-Redirect"] == "/pipeline/"
    deal.refresh_from_db()
    assert (deal.stage, deal.qualification_notes) == ("qualified", "Budget 50k, CTO decides")
    response = client.post(
        reverse("crm:pipeline-move"),
        {"deal": deal.pk, "stage": "proposal"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert list(response.context["form"].fields) == ["amount", "expected_close_date"]
    assert set(response.context["form"].errors) == {"amount", "expected_close_date"}


def stepper(response) -> list[tuple[str, str]]:
    """The stepper's steps as (text, class) pairs."""
    html = response.content.decode()
    block = html[html.index('<ol class="stepper"') : html.index("</ol>", html.index("stepper"))]
    return [
        (
            re.sub(r"<[^>]+>", "", item.split(">", 1)[1]).strip(),
            re.search(r'class="([^"]*)"', item)[1],
        )
        for item in block.split("<li ")[1:]
    ]


def test_the_deal_pages_buttons_say_where_they_move_the_deal(client, rep, manager):
    lead = DealFactory(owner=rep)
    lost = DealFactory(owner=rep, lost=True)
    client.force_login(manager)
    page = client.get(reverse("crm:deal-detail", args=[lead.pk])).content.decode()
    assert re.findall(r'hx-target="#dialog-body">([^<]+)</a>', page) == [
        "Move to Qualified",
        "Mark as lost",
    ]
    page = client.get(reverse("crm:deal-detail", args=[lost.pk])).content.decode()
    assert re.findall(r'hx-target="#dialog-body">([^<]+)</a>', page) == ["Reopen (back to Lead)"]


def test_a_closed_deal_shows_when_it_closed_not_what_it_expected(client, rep):
    won_at = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    won = DealFactory(owner=rep, won=True, won_at=won_at, expected_close_date=dt.date(2027, 4, 21))
    lost = DealFactory(owner=rep, lost=True, lost_at=won_at)
    client.force_login(rep)
    page = client.get(reverse("crm:deal-detail", args=[won.pk])).content.decode()
    assert '<h2 id="next-action-title">Outcome</h2>' in page
    assert "<p>Won on 3 Dec 2026.</p>" in page
    assert "<dt>Won</dt><dd>3 Dec 2026</dd>" in page
    assert "Expected close" not in page and "<dt>Probability</dt>" not in page
    page = client.get(reverse("crm:deal-detail", args=[lost.pk])).content.decode()
    assert f"<p>Lost on 3 Dec 2026: {lost.lost_reason.name}.</p>" in page
    assert "reopening it asks for one" in page
    assert "<dt>Lost</dt><dd>3 Dec 2026</dd>" in page


def test_a_lost_deals_stepper_shows_only_the_stages_it_passed(client, rep, manager):
    from crm import services

    reason = LostReason.objects.get(name="Timing")
    deal = DealFactory(owner=rep, qualification_notes="Budget confirmed.")
    deal = services.deal_transition(deal=deal, by=rep, name="qualify")
    deal = services.deal_transition(deal=deal, by=rep, name="lose", params={"lost_reason": reason})
    client.force_login(rep)
    assert stepper(client.get(reverse("crm:deal-detail", args=[deal.pk]))) == [
        ("Lead (passed)", "stage-step-lead done"),
        ("Qualified (passed)", "stage-step-qualified done"),
        ("Proposal (not reached)", "stage-step-proposal skipped"),
        ("Negotiation (not reached)", "stage-step-negotiation skipped"),
        ("Lost", "stage-step-lost current"),
    ]
    # Without any history (an import brought it in lost), nothing is claimed as passed.
    imported = DealFactory(owner=rep, lost=True)
    steps = stepper(client.get(reverse("crm:deal-detail", args=[imported.pk])))
    assert [c for _, c in steps] == [
        "stage-step-lead skipped",
        "stage-step-qualified skipped",
        "stage-step-proposal skipped",
        "stage-step-negotiation skipped",
        "stage-step-lost current",
    ]
    # Reopened and moved on: the pipeline starts again from Lead.
    deal = services.deal_transition(
        deal=deal,
        by=manager,
        name="reopen",
        params={"next_action": "Call", "next_action_due": dt.date(2026, 12, 1)},
    )
    assert [c for _, c in stepper(client.get(reverse("crm:deal-detail", args=[deal.pk])))] == [
        "stage-step-lead current",
        "stage-step-qualified",
        "stage-step-proposal",
        "stage-step-negotiation",
        "stage-step-won",
    ]


def test_the_propose_dialog_asks_only_for_what_is_missing(client, rep):
    deal = DealFactory(owner=rep, qualified=True, amount=Decimal("40000.00"))
    client.force_login(rep)
    url = reverse("crm:deal-transition", args=[deal.pk, "propose"])
    response = client.get(url, headers={"HX-Request": "true"})
    form = response.context["form"]
    assert [f.name for f in form.asked_fields()] == ["expected_close_date"]
    assert [f.name for f in form.known_fields()] == ["amount"]
    assert (form.fields["amount"].required, form.fields["expected_close_date"].required) == (
        False,
        True,
    )
    html = response.content.decode()
    assert "Already set: amount 40,000\u00a0EUR. Change" in html and 'value="40000.00"' in html
    # Empty again: refused on the missing field only, the amount stays as typed.
    response = client.post(url, {"amount": "40000.00", "expected_close_date": ""})
    assert response.status_code == 422
    assert response.context["form"].errors == {"expected_close_date": ["This field is required."]}
    assert Deal.objects.get(pk=deal.pk).stage == "qualified"
    # The known amount left empty keeps the deal's amount.
    response = client.post(url, {"amount": "", "expected_close_date": "2027-01-31"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.amount, deal.expected_close_date) == (
        "proposal",
        Decimal("40000.00"),
        dt.date(2027, 1, 31),
    )


def test_the_propose_dialog_lets_a_known_amount_change(client, rep):
    deal = DealFactory(
        owner=rep,
        qualified=True,
        amount=Decimal("40000.00"),
        expected_close_date=dt.date(2027, 1, 31),
    )
    client.force_login(rep)
    url = reverse("crm:deal-transition", args=[deal.pk, "propose"])
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.context["form"].asked_fields() == []
    assert "Everything this move needs is set." in response.content.decode()
    response = client.post(url, {"amount": "45000", "expected_close_date": "2027-01-31"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.amount) == ("proposal", Decimal("45000.00"))


def test_board_move_without_fields_moves_and_records(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    client.force_login(rep)
    response = client.post(
        reverse("crm:pipeline-move"),
        {"deal": deal.pk, "stage": "negotiation"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    # The board reloads itself and keeps focus on the card (no redirect, no flash message).
    assert json.loads(response["HX-Trigger"]) == {
        "deal-moved": {"deal": deal.pk, "message": f"“{deal.title}” moved to Negotiation."}
    }
    assert "HX-Redirect" not in response
    assert Deal.objects.get(pk=deal.pk).stage == "negotiation"
    assert StageChange.objects.get(deal=deal).to_stage == "negotiation"


def test_board_drop_on_won_answers_the_handoff_panel_for_the_dialog(client, rep):
    deal = DealFactory(owner=rep, proposal=True, title="Shop")
    client.force_login(rep)
    response = client.post(
        reverse("crm:pipeline-move"),
        {"deal": deal.pk, "stage": "won"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="win-dialog"')
    assert '<h2 id="transition-title">Win “Shop”</h2>' in html
    assert "Cancel, keep it in Proposal" in html
    # The handoff app's own panel, posting to its own win endpoint.
    assert 'id="handoff"' in html and f'hx-post="/deals/{deal.pk}/win/"' in html
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_board_drop_on_won_without_script_goes_to_the_deal_page(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    client.force_login(rep)
    response = client.post(reverse("crm:pipeline-move"), {"deal": deal.pk, "stage": "won"})
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/#handoff"


def test_board_drop_on_won_is_refused_for_another_reps_deal(client, rep, other_rep):
    deal = DealFactory(owner=other_rep, proposal=True)
    client.force_login(rep)
    response = client.post(
        reverse("crm:pipeline-move"),
        {"deal": deal.pk, "stage": "won"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).stage == "proposal"


def test_lose_form_lists_reasons_and_loses(client, rep, world):
    deal = world["deal"]
    reason = LostReason.objects.get(name="Timing")
    client.force_login(rep)
    response = client.get(
        reverse("crm:deal-transition", args=[deal.pk, "lose"]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and b"Lost reason" in response.content
    response = client.post(
        reverse("crm:deal-transition", args=[deal.pk, "lose"]),
        {"lost_reason": reason.pk, "note": "Next year"},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.lost_note) == ("lost", reason, "Next year")


def test_pipeline_columns_have_counts_and_totals(client, rep):
    DealFactory(owner=rep, amount=Decimal("1000"))
    DealFactory(owner=rep, proposal=True, amount=Decimal("3000"))
    client.force_login(rep)
    columns = {c.stage: c for c in client.get(reverse("crm:pipeline")).context["columns"]}
    assert (columns["lead"].count, columns["lead"].total, columns["lead"].weighted) == (
        1,
        Decimal("1000.00"),
        Decimal("100.00"),
    )
    assert (columns["proposal"].count, columns["proposal"].weighted) == (1, Decimal("1500.00"))
    assert columns["won"].count == 0


def test_pipeline_pages_a_column_past_its_page_size(client, rep, django_assert_num_queries):
    company = CompanyFactory(owner=rep)
    size = selectors.BOARD_PAGE_SIZE
    for _ in range(size + 2):
        DealFactory(owner=rep, company=company)
    client.force_login(rep)
    lead = next(
        c for c in client.get(reverse("crm:pipeline")).context["columns"] if c.stage == "lead"
    )
    assert (len(lead.deals), lead.has_more, lead.count) == (size, True, size + 2)
    response = client.get(
        reverse("crm:pipeline") + "?column=lead&page=2", headers={"HX-Request": "true"}
    )
    assert b'id="column-lead"' in response.content and b"<html" not in response.content
    assert (len(response.context["column"].deals), response.context["column"].has_more) == (
        size + 2,
        False,
    )
    assert response.content.count(b'<li class="deal-card') == size + 2


def test_board_reloads_each_column_as_far_as_it_was_shown(client, rep):
    company = CompanyFactory(owner=rep)
    for _ in range(selectors.BOARD_PAGE_SIZE + 2):
        DealFactory(owner=rep, company=company)
        DealFactory(owner=rep, company=company, qualified=True)
    client.force_login(rep)
    response = client.get(
        reverse("crm:pipeline") + f"?owner={rep.pk}&page_lead=2&page_qualified=x&page_won=9"
    )
    shown = {c.stage: (len(c.deals), c.page) for c in response.context["columns"]}
    assert shown["lead"] == (selectors.BOARD_PAGE_SIZE + 2, 2)
    assert shown["qualified"] == (selectors.BOARD_PAGE_SIZE, 1)  # a malformed page is the first
    assert shown["won"] == (0, 1)  # never past the last page
    assert response.context["filter_query"] == f"owner={rep.pk}"
    assert b'id="column-lead" data-page="2"' in response.content


def test_board_asks_the_move_rule_once_per_owner(client, rep, other_rep, manager, monkeypatch):
    for owner in (rep, rep, rep, other_rep, other_rep):
        DealFactory(owner=owner)
    asked = []
    real = type(rep).has_perm

    def has_perm(self, perm, obj=None):
        if obj is not None:
            asked.append((perm, obj.owner_id))
        return real(self, perm, obj)

    monkeypatch.setattr(type(rep), "has_perm", has_perm)
    client.force_login(rep)
    cards = [d for c in client.get(reverse("crm:pipeline")).context["columns"] for d in c.deals]
    assert sorted(asked) == sorted([("crm.change_deal", rep.pk), ("crm.change_deal", other_rep.pk)])
    assert {d.owner_id: d.can_move for d in cards} == {rep.pk: True, other_rep.pk: False}


def test_deal_list_filters_and_fragment(client, rep, other_rep, world):
    DealFactory(owner=other_rep, title="Theirs")
    client.force_login(rep)
    response = client.get(
        reverse("crm:deal-list") + f"?owner={rep.pk}&stage=open", headers={"HX-Request": "true"}
    )
    assert [d.title for d in response.context["object_list"]] == ["Acme relaunch"]
    assert b'id="deal-table"' in response.content and b"<html" not in response.content
    full = client.get(reverse("crm:deal-list") + "?q=theirs")
    assert [d.title for d in full.context["object_list"]] == ["Theirs"]
    assert b"<html" in full.content


def test_deal_list_filters_fold_open_when_any_is_set(client, rep, world):
    client.force_login(rep)
    page = client.get(reverse("crm:deal-list") + "?sort=title").content.decode()
    assert '<details class="card filter-panel">' in page
    assert '<span id="filter-count">Filters</span>' in page
    page = client.get(reverse("crm:deal-list") + "?stage=open&overdue=on&q=").content.decode()
    assert '<details class="card filter-panel" open>' in page
    assert '<span id="filter-count">Filters (2 active)</span>' in page
    # A filter changed in place: the table and, out of band, the summary's count.
    fragment = client.get(
        reverse("crm:deal-list") + f"?owner={rep.pk}", headers={"HX-Request": "true"}
    ).content.decode()
    assert '<span id="filter-count" hx-swap-oob="true">Filters (1 active)</span>' in fragment
    assert "<details" not in fragment


def test_deal_list_sorts_by_stage_in_pipeline_order_from_its_header(client, rep):
    for trait in ("lost", "won", "negotiation", "qualified", "proposal"):
        DealFactory(owner=rep, title=trait.title(), **{trait: True})
    DealFactory(owner=rep, title="Lead")
    client.force_login(rep)
    response = client.get(reverse("crm:deal-list") + "?sort=stage&owner=" + str(rep.pk))
    assert [d.title for d in response.context["object_list"]] == [
        "Lead",
        "Qualified",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    page = response.content.decode()
    # The active header says its order; the others link to their sort, keeping the filters.
    assert (
        f'<th scope="col" aria-sort="ascending"><a class="sort-link" href="?sort=stage&amp;owner={rep.pk}">'
        'Stage<span aria-hidden="true"> ▲</span><span class="visually-hidden">, sorted ascending</span>'
    ) in page
    assert f'href="?sort=-amount&amp;owner={rep.pk}">Amount' in page
    biggest = client.get(reverse("crm:deal-list") + "?sort=-amount&page=2").content.decode()
    assert 'aria-sort="descending"><a class="sort-link" href="?sort=amount">Amount' in biggest


def test_deal_list_csv_export_honours_filters(client, rep, world):
    client.force_login(rep)
    response = client.get(reverse("crm:deal-list") + "?stage=lost&format=csv")
    body = b"".join(response.streaming_content).decode()
    lines = body.lstrip("\ufeff").strip().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0].startswith("id,title,company,contact,owner,stage")
    assert len(lines) == 2 and "Acme lost" in lines[1]


def test_csv_export_neutralises_formulas(client, rep):
    CompanyFactory(owner=rep, name="=HYPERLINK(1)", domain="")
    client.force_login(rep)
    body = b"".join(
        client.get(reverse("crm:company-list") + "?format=csv").streaming_content
    ).decode()
    assert "'=HYPERLINK(1)" in body


def test_duplicate_warnings(client, rep, world):
    client.force_login(rep)
    response = client.get(
        reverse("crm:company-check-domain") + "?domain=https://www.ACME.example/",
        headers={"HX-Request": "true"},
    )
    assert b"already exists" in response.content and b"Acme" in response.content
    response = client.get(
        reverse("crm:company-check-domain") + f"?domain=acme.example&exclude={world['company'].pk}"
    )
    assert b"already exists" not in response.content
    response = client.get(
        reverse("crm:contact-check-email") + f"?email={world['contact'].email.upper()}"
    )
    assert b"already exists" in response.content


def test_create_company_and_contact_with_duplicates_refused(client, rep, world):
    client.force_login(rep)
    response = client.post(
        reverse("crm:company-create"), {"name": "Other", "domain": "ACME.example"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "domain": ["A company with this web domain already exists."]
    }
    response = client.post(
        reverse("crm:contact-create"), {"first_name": "Bo", "email": world["contact"].email}
    )
    assert response.status_code == 422
    assert Company.objects.count() == 1 and Contact.objects.count() == 1


def test_company_page_shows_deals_contacts_and_history(client, rep, world):
    ActivityFactory(deal=world["deal"], body="Kickoff call")
    client.force_login(rep)
    response = client.get(reverse("crm:company-detail", args=[world["company"].pk]))
    assert [d.title for d in response.context["deals"]] == [
        "Acme lost",
        "Acme won",
        "Acme relaunch",
    ]
    assert [c.pk for c in response.context["contacts"]] == [world["contact"].pk]
    assert [a.body for a in response.context["activities"]] == ["Kickoff call"]


def test_search_finds_companies_contacts_and_deals(client, rep, world):
    client.force_login(rep)
    results = client.get(reverse("dashboards:search") + "?q=acme").context["results"]
    assert [c.name for c in results["companies"]] == ["Acme"]
    assert {d.title for d in results["deals"]} == {"Acme relaunch", "Acme won", "Acme lost"}
    results = client.get(
        reverse("dashboards:search") + f"?q={world['contact'].first_name}"
    ).context["results"]
    assert [c.pk for c in results["contacts"]] == [world["contact"].pk]


def test_search_hides_open_deals_from_delivery(client, lead, world):
    client.force_login(lead)
    results = client.get(reverse("dashboards:search") + "?q=acme").context["results"]
    assert [d.title for d in results["deals"]] == ["Acme won"]


def test_the_deal_pages_breadcrumb_offers_the_deal_list_only_to_who_may_open_it(
    client, rep, lead, world
):
    won = Deal.objects.get(title="Acme won")
    crumb = '<a href="/deals/">Deals</a> / '
    client.force_login(lead)
    response = client.get(reverse("crm:deal-detail", args=[won.pk]))
    assert response.status_code == 200 and crumb not in response.content.decode()
    assert client.get(reverse("crm:deal-list")).status_code == 403
    client.force_login(rep)
    assert crumb in client.get(reverse("crm:deal-detail", args=[won.pk])).content.decode()


def test_my_work_lists_my_overdue_and_due_today(client, rep):
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), tick=False):
        late = DealFactory(owner=rep, title="Late", next_action_due_date=dt.date(2026, 11, 20))
        today = DealFactory(owner=rep, title="Today", next_action_due_date=dt.date(2026, 11, 26))
        DealFactory(owner=rep, title="Later", next_action_due_date=dt.date(2026, 11, 30))
        DealFactory(title="Not mine", next_action_due_date=dt.date(2026, 11, 20))
        client.force_login(rep)
        context = client.get("/").context
    assert context["next_actions"] == {
        "overdue": [late],
        "overdue_count": 1,
        "due_today": [today],
        "due_today_count": 1,
    }


def test_manager_bulk_reassigns_all_or_nothing(client, manager, rep, other_rep, lead):
    mine = [DealFactory(owner=rep), DealFactory(owner=rep)]
    client.force_login(manager)
    page = client.get(reverse("crm:deal-list"))
    assert page.context["can_reassign"] is True and b"Reassign selected deals" in page.content
    response = client.post(
        reverse("crm:deal-bulk-reassign"), {"deal": [d.pk for d in mine], "owner": other_rep.pk}
    )
    assert response.status_code == 302
    assert [Deal.objects.get(pk=d.pk).owner for d in mine] == [other_rep, other_rep]
    response = client.post(
        reverse("crm:deal-bulk-reassign"),
        {"deal": [d.pk for d in mine], "owner": lead.pk},
        follow=True,
    )
    assert "Select at least one deal and the person to reassign them to." in [
        str(m) for m in response.context["messages"]
    ]
    assert [Deal.objects.get(pk=d.pk).owner for d in mine] == [other_rep, other_rep]


def test_bulk_reassign_refusal_changes_nothing(client, manager, rep):
    good = DealFactory(owner=rep)
    bad = DealFactory(owner=rep, proposal=True)
    Deal.objects.filter(pk=bad.pk).update(amount=0)  # breaks R4 for a proposed deal
    client.force_login(manager)
    response = client.post(
        reverse("crm:deal-bulk-reassign"),
        {"deal": [good.pk, bad.pk], "owner": manager.pk},
        follow=True,
    )
    assert any(str(m).startswith("Nothing was reassigned: ") for m in response.context["messages"])
    assert Deal.objects.get(pk=good.pk).owner == rep


def test_reps_cannot_bulk_reassign(client, rep, other_rep):
    deal = DealFactory(owner=rep)
    client.force_login(rep)
    assert client.get(reverse("crm:deal-list")).context["can_reassign"] is False
    assert (
        client.post(
            reverse("crm:deal-bulk-reassign"), {"deal": [deal.pk], "owner": other_rep.pk}
        ).status_code
        == 403
    )
    assert Deal.objects.get(pk=deal.pk).owner == rep


def test_my_work_shows_the_most_urgent_and_links_to_all_of_them(client, rep):
    from crm.selectors import MY_WORK_ROWS

    start = timezone.localdate() - dt.timedelta(days=60)
    late = [
        DealFactory(owner=rep, next_action_due_date=start + dt.timedelta(days=i))
        for i in range(MY_WORK_ROWS + 3)
    ]
    client.force_login(rep)
    response = client.get("/")
    work = response.context["next_actions"]
    assert (work["overdue"], work["overdue_count"]) == (late[:MY_WORK_ROWS], MY_WORK_ROWS + 3)
    page = response.content.decode()
    assert f"All {MY_WORK_ROWS + 3} overdue deals" in page
    assert f"?stage=open&amp;overdue=on&amp;owner={rep.pk}&amp;sort=next_action_due_at" in page


def test_a_contacts_history_holds_what_was_logged_on_their_deals(client, rep):
    company = CompanyFactory(owner=rep)
    ann = ContactFactory(company=company, first_name="Ann")
    ben = ContactFactory(company=company, first_name="Ben")
    hers = DealFactory(owner=rep, company=company, contact=ann)
    his = DealFactory(owner=rep, company=company, contact=ben)
    ActivityFactory(deal=hers, body="Called Ann about the shop.")
    ActivityFactory(deal=his, body="Called Ben about the site.")
    ActivityFactory(deal=None, company=company, contact=ann, author=rep, body="Met Ann.")
    history = selectors.activity_list(user=rep, contact=ann)
    assert sorted(history.values_list("body", flat=True)) == [
        "Called Ann about the shop.",
        "Met Ann.",
    ]
    client.force_login(rep)
    page = client.get(reverse("crm:contact-detail", args=[ann.pk])).content.decode()
    assert "Called Ann about the shop." in page and "Called Ben about the site." not in page
    # each entry logged on a deal names it, as on the company's page
    assert f' · <a href="/deals/{hers.pk}/">{hers.title}</a></span>' in page


def test_delivery_is_told_the_deals_it_cannot_see_are_hidden_not_missing(client, rep, member):
    company = CompanyFactory(owner=rep, name="Northwind")
    ann = ContactFactory(company=company)
    ActivityFactory(deal=DealFactory(owner=rep, company=company, contact=ann), body="Call.")
    client.force_login(member)
    page = client.get(reverse("crm:company-detail", args=[company.pk])).content.decode()
    assert "No deals of Northwind that you can see." in page
    assert "Nothing logged that you can see." in page
    page = client.get(reverse("crm:contact-detail", args=[ann.pk])).content.decode()
    assert "No deals with this contact that you can see." in page
    client.force_login(rep)
    page = client.get(reverse("crm:company-detail", args=[company.pk])).content.decode()
    assert "deals of Northwind that you can see" not in page and "No deals yet." not in page
