"""The Django admin is for set-up only, never a way around a rule: history is read-only,
deals and won handoffs are never deleted, set-up rows in use are kept, and every admin
action of every app answers a message (never a 500)."""

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.roles import Role
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    ExchangeRate,
    LeadSource,
    LostReason,
    StageChange,
)
from crm.services import deal_transition
from crm.tests.factories import ActivityFactory, ContactFactory, DealFactory
from handoff import services as handoff_services
from handoff.models import Handoff
from handoff.tests.factories import HandoffFactory
from projects import services as project_services
from projects.models import Holiday, Project, ProjectTemplate
from reminders import tasks
from reminders.models import Kind, OutboxEmail, Status

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def no_broker(monkeypatch):
    queued: list[str] = []
    monkeypatch.setattr(tasks.send_outbox, "delay", lambda: queued.append("send_outbox"))
    return queued


@pytest.fixture
def admin_client(client, admin_user):
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a crash
    client.force_login(admin_user)
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def action_names(response) -> list[str]:
    form = response.context["action_form"]
    return [] if form is None else [name for name, _ in form.fields["action"].choices if name]


@pytest.fixture
def rep_deal(rep):
    deal = DealFactory(owner=rep, qualified=True, title="Proposal deal")
    ActivityFactory(deal=deal, body="Called the buyer.")
    params = {"amount": 5000, "expected_close_date": dt.date(2026, 12, 31)}
    deal_transition(deal=deal, by=rep, name="propose", params=params)
    return Deal.objects.get(pk=deal.pk)


@pytest.fixture
def won(rep):
    handoff = HandoffFactory(deal__owner=rep, deal__title="Won deal")
    handoff_services.deal_win(deal=handoff.deal, by=rep)
    return Handoff.objects.select_related("deal", "project").get(pk=handoff.pk)


# --- History is read-only --------------------------------------------------------------


def test_activities_are_only_read(admin_client, rep_deal):
    activity = Activity.objects.get()
    change = url(Activity, "change", activity.pk)
    response = admin_client.get(change)
    assert response.status_code == 200 and "Called the buyer." in response.content.decode()
    assert admin_client.post(change, {"kind": "call", "body": "Rewritten"}).status_code == 403
    assert (
        admin_client.post(url(Activity, "delete", activity.pk), {"post": "yes"}).status_code == 403
    )
    assert admin_client.get(url(Activity, "add")).status_code == 403
    assert action_names(admin_client.get(url(Activity, "changelist"))) == []
    activity.refresh_from_db()
    assert (activity.kind, activity.body) == ("note", "Called the buyer.")


def test_stage_changes_are_only_read(admin_client, rep_deal):
    change = StageChange.objects.get(deal=rep_deal)
    response = admin_client.post(url(StageChange, "delete", change.pk), {"post": "yes"})
    assert response.status_code == 403
    assert action_names(admin_client.get(url(StageChange, "changelist"))) == []
    response = admin_client.post(
        url(StageChange, "changelist"),
        {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert StageChange.objects.filter(deal=rep_deal).count() == 1


# --- Deals, companies, contacts and handoffs are never deleted here ----------------------


def test_deals_are_never_deleted_so_history_and_handoff_stay(admin_client, won):
    deal = won.deal
    assert admin_client.post(url(Deal, "delete", deal.pk), {"post": "yes"}).status_code == 403
    changelist = admin_client.get(url(Deal, "changelist"))
    assert action_names(changelist) == ["qualify", "propose", "negotiate"]
    response = admin_client.post(
        url(Deal, "changelist"),
        {"action": "delete_selected", "_selected_action": [deal.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response) == ["No action selected."]
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert StageChange.objects.filter(deal=deal).count() == 1
    assert Handoff.objects.get(deal=deal).project == won.project


def test_a_won_deals_handoff_is_never_deleted_or_edited(admin_client, won):
    delete = admin_client.post(url(Handoff, "delete", won.pk), {"post": "yes"})
    assert delete.status_code == 403
    change = admin_client.post(url(Handoff, "change", won.pk), {"scope_summary": "Other"})
    assert change.status_code == 403
    assert admin_client.get(url(Handoff, "change", won.pk)).status_code == 200  # viewable
    assert action_names(admin_client.get(url(Handoff, "changelist"))) == ["win"]
    won.refresh_from_db()
    assert (won.project_id, won.scope_summary) == (
        Project.objects.get().pk,
        "Relaunch the website with a shop.",
    )


def test_companies_and_contacts_are_never_deleted_here(admin_client, rep):
    contact = ContactFactory(company__owner=rep)
    ActivityFactory(deal=None, company=contact.company, contact=contact, author=rep)
    for obj in (contact, contact.company):
        model = type(obj)
        assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        assert action_names(admin_client.get(url(model, "changelist"))) == []
    assert (Company.objects.count(), Contact.objects.count(), Activity.objects.count()) == (1, 1, 1)


# --- Set-up rows in use are kept -----------------------------------------------------------


def test_a_lead_source_in_use_is_kept_and_an_unused_one_goes(admin_client, rep):
    used, unused = LeadSource.objects.create(name="Fair"), LeadSource.objects.create(name="Typo")
    deal = DealFactory(owner=rep, source=used)
    response = admin_client.post(url(LeadSource, "delete", used.pk), {"post": "yes"})
    assert response.status_code == 200
    assert (
        "“Fair” is the source of 1 deal(s); untick “active” instead." in response.content.decode()
    )
    response = admin_client.post(
        url(LeadSource, "changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"},
    )
    assert response.status_code == 200 and "Cannot delete" in response.content.decode()
    deal.refresh_from_db()
    assert deal.source == used
    response = admin_client.post(url(LeadSource, "delete", unused.pk), {"post": "yes"}, follow=True)
    assert messages_of(response) == ["The lead source “Typo” was deleted successfully."]
    assert list(LeadSource.objects.filter(name__in=["Fair", "Typo"])) == [used]


def test_a_template_projects_were_made_from_is_kept(admin_client, lead):
    template = ProjectTemplate.objects.create(name="Retainer")
    project_services.project_create_from_template(
        by=lead, template=template, name="P", delivery_lead=lead, start_date=dt.date(2026, 11, 30)
    )
    response = admin_client.post(url(ProjectTemplate, "delete", template.pk), {"post": "yes"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "“Retainer” is the template of 1 project(s); untick “active” instead." in text
    assert Project.objects.get().template == template


# --- Every admin action answers a message ----------------------------------------------


RELAY_APPS = {"auth", "accounts", "crm", "projects", "handoff", "reminders"}


@pytest.fixture
def world(rep, lead, admin_user, won, rep_deal):
    """A row for every admin with actions, with the cases that refuse: deals that cannot
    move, a draft handoff that cannot win and a won one, a lead source and a lost reason in
    use, a sent email, a revoked token."""
    DealFactory(owner=rep, title="Lead without notes")
    DealFactory(owner=rep, title="Lead with notes", qualification_notes="Budget confirmed.")
    other = UserFactory(username="rep2", role=Role.SALES_REP)
    DealFactory(owner=other, title="Negotiation deal", negotiation=True)
    lost = DealFactory(owner=rep, title="Lost deal", lost=True)
    DealFactory(owner=rep, title="Sourced lead", source=LeadSource.objects.create(name="Fair"))
    HandoffFactory(deal__owner=rep, deal__title="Draft deal", scope_summary="")
    project_services.holiday_create(by=admin_user, day=dt.date(2026, 12, 24), name="Eve")
    ExchangeRate.objects.create(currency="CHF", rate="1.05", valid_from=dt.date(2026, 1, 1))
    api_token_create(user=rep, name="zapier")
    revoked, _ = api_token_create(user=rep, name="old")
    revoked.revoke()
    revoked.save()
    for status in (Status.FAILED, Status.SENT):
        OutboxEmail.objects.create(
            recipient=rep,
            to_address=rep.email,
            kind=Kind.NEXT_ACTIONS,
            idempotency_key=f"k-{status}",
            subject="s",
            body_text="b",
            status=status,
            sent_at=NOW if status == Status.SENT else None,
        )
    return lost


def not_moved(title: str, stage: str, name: str) -> str:
    return (
        f"“{title}” not moved: stage: A deal in {stage} cannot {name}; "
        "deals move forward one stage at a time."
    )


def refused(name: str, stages: dict[str, str]) -> list[str]:
    return [not_moved(title, stage, name) for title, stage in stages.items()]


EXPECTED = {
    "accounts.ApiToken.revoke": ["Revoked 1 token(s).", "Skipped 1 token(s) revoked before."],
    "accounts.User.new_calendar_address": [
        "14 user(s) have a new calendar address; their old one no longer works."
    ],
    # The actions run one after the other on the same deals: qualify moves one lead, then
    # negotiate moves the two proposals.
    "crm.Deal.qualify": sorted(
        [
            "1 deal(s) moved.",
            "“Lead without notes” not moved: qualification_notes: "
            "Qualification notes are required to qualify a deal.",
            "“Sourced lead” not moved: qualification_notes: "
            "Qualification notes are required to qualify a deal.",
            *refused(
                "qualify",
                {
                    "Draft deal": "Proposal",
                    "Lost deal": "Lost",
                    "Negotiation deal": "Negotiation",
                    "Proposal deal": "Proposal",
                    "Won deal": "Won",
                },
            ),
        ]
    ),
    "crm.Deal.propose": sorted(
        [
            "“Lead with notes” not moved: amount: "
            "An amount greater than 0 is required to propose.; expected_close_date: "
            "An expected close date is required to propose.",
            *refused(
                "propose",
                {
                    "Draft deal": "Proposal",
                    "Lead without notes": "Lead",
                    "Lost deal": "Lost",
                    "Negotiation deal": "Negotiation",
                    "Proposal deal": "Proposal",
                    "Sourced lead": "Lead",
                    "Won deal": "Won",
                },
            ),
        ]
    ),
    "crm.Deal.negotiate": sorted(
        [
            "2 deal(s) moved.",
            *refused(
                "negotiate",
                {
                    "Lead with notes": "Qualified",
                    "Lead without notes": "Lead",
                    "Lost deal": "Lost",
                    "Negotiation deal": "Negotiation",
                    "Sourced lead": "Lead",
                    "Won deal": "Won",
                },
            ),
        ]
    ),
    # In use (a deal's source, a lost deal's reason, a handoff's template): Django's page
    # lists what must stay, and nothing is deleted.
    "crm.LeadSource.delete_selected": ["Cannot delete"],
    "crm.LostReason.delete_selected": ["Cannot delete"],
    "crm.StageSetting.delete_selected": ["Successfully deleted 4 stage settings."],
    # Deals keep the rate they used: a rate may go. The re-conversion after it finds none.
    "crm.ExchangeRate.delete_selected": ["Successfully deleted 1 exchange rate."],
    "crm.ExchangeRate.reconvert": ["No rates selected: nothing re-converted."],
    "handoff.Handoff.win": [
        "“Draft deal” not won: scope_summary: Summarise the scope that was sold.",
        "“Won deal” not won: This deal has already been won; its project exists.",
    ],
    "projects.Holiday.delete_selected": ["Successfully deleted 1 holiday."],
    "projects.ProjectTemplate.delete_selected": ["Cannot delete"],
    "reminders.OutboxEmail.retry": [
        "Queued 1 email(s) to send again.",
        "Skipped 1 email(s) already sent; they are never resent.",
    ],
}


def test_every_admin_action_answers_a_message_never_a_500(
    admin_client, admin_user, world, no_broker
):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    walked = {}
    for model, model_admin in list(admin.site._registry.items()):
        if model._meta.app_label not in RELAY_APPS:
            continue
        pks = list(model._default_manager.values_list("pk", flat=True))
        for name in model_admin.get_actions(request):
            response = admin_client.post(
                url(model, "changelist"),
                {"action": name, "_selected_action": pks, "post": "yes"},
                follow=True,
            )
            label = f"{model._meta.label}.{name}"
            assert response.status_code == 200, label
            texts = messages_of(response)
            if not texts:  # Django's page naming what must stay
                assert "Cannot delete" in response.content.decode(), label
                texts = ["Cannot delete"]
            walked[label] = sorted(texts)
    assert walked == EXPECTED
    assert LostReason.objects.filter(pk=world.lost_reason_id).exists()
    assert Holiday.objects.count() == 0
