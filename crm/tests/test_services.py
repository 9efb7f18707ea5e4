"""R1-R4 in the services: each refusal names its fields and changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed

from crm import services
from crm.models import Activity, Company, Deal, LostReason, Stage, StageChange
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from records import EditConflict

pytestmark = pytest.mark.django_db

TOMORROW = dt.date(2026, 11, 27)


def snapshot(deal: Deal) -> dict:
    fresh = Deal.objects.get(pk=deal.pk)
    return {
        f.attname: getattr(fresh, f.attname)
        for f in Deal._meta.concrete_fields
        if f.attname != "updated_at"
    } | {
        "changes": StageChange.objects.filter(deal=deal).count(),
        "activities": Activity.objects.filter(deal=deal).count(),
    }


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# R1 owner --------------------------------------------------------------------------------


def test_owner_defaults_to_the_creator(rep):
    company = CompanyFactory(owner=rep)
    deal = services.deal_create(
        by=rep, title="Website", company=company, next_action="Call", next_action_due=TOMORROW
    )
    assert (deal.owner, deal.created_by, deal.stage, deal.probability) == (rep, rep, "lead", 10)


def test_a_rep_cannot_create_a_deal_for_someone_else(rep, other_rep):
    with pytest.raises(PermissionDenied):
        services.deal_create(
            by=rep,
            title="X",
            company=CompanyFactory(),
            owner=other_rep,
            next_action="Call",
            next_action_due=TOMORROW,
        )
    assert Deal.objects.count() == 0


def test_a_manager_reassigns_and_the_new_owner_must_be_sales(manager, rep, lead):
    deal = DealFactory(owner=rep)
    deal = services.deal_update(deal=deal, by=manager, owner=manager)
    assert deal.owner == manager
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_update(deal=deal, by=manager, owner=lead)
    assert list(errors_of(excinfo)) == ["owner_id"]
    assert snapshot(deal) == before


def test_a_rep_cannot_reassign_their_deal(rep, other_rep):
    deal = DealFactory(owner=rep)
    before = snapshot(deal)
    with pytest.raises(PermissionDenied, match="Only sales managers can reassign"):
        services.deal_update(deal=deal, by=rep, owner=other_rep)
    assert snapshot(deal) == before


def test_a_rep_cannot_edit_another_reps_deal(rep, other_rep):
    deal = DealFactory(owner=other_rep)
    before = snapshot(deal)
    with pytest.raises(PermissionDenied):
        services.deal_update(deal=deal, by=rep, title="Mine now")
    assert snapshot(deal) == before


# R2 next action ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_action", "due", "fields"),
    [
        ("", TOMORROW, ["next_action"]),
        ("   ", TOMORROW, ["next_action"]),
        ("Call", None, ["next_action_due"]),
        ("", None, ["next_action", "next_action_due"]),
    ],
)
def test_a_deal_cannot_be_created_without_a_next_action(rep, next_action, due, fields):
    with pytest.raises(ValidationError) as excinfo:
        services.deal_create(
            by=rep,
            title="X",
            company=CompanyFactory(),
            next_action=next_action,
            next_action_due=due,
        )
    assert sorted(errors_of(excinfo)) == fields
    assert Deal.objects.count() == 0


def test_an_open_deal_cannot_be_saved_without_a_next_action(rep):
    deal = DealFactory(owner=rep)
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_update(deal=deal, by=rep, next_action="", next_action_due=None)
    assert sorted(errors_of(excinfo)) == ["next_action", "next_action_due"]
    assert snapshot(deal) == before


def test_the_database_refuses_an_open_deal_without_a_next_action(rep):
    from django.db import IntegrityError, transaction

    deal = DealFactory(owner=rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(next_action="")


@time_machine.travel(dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_past_due_date_is_accepted_and_overdue_at_once(rep):
    deal = services.deal_create(
        by=rep,
        title="Late",
        company=CompanyFactory(),
        next_action="Call",
        next_action_due=dt.date(2026, 11, 20),
    )
    assert deal.is_overdue()
    assert list(Deal.objects.overdue()) == [deal]


@time_machine.travel(dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC), tick=False)
def test_overdue_is_due_before_now_in_the_owners_time_zone(rep):
    rep.time_zone = "Asia/Tokyo"  # 21:00 there
    rep.save()
    today = services.deal_create(
        by=rep,
        title="Today",
        company=CompanyFactory(),
        next_action="Call",
        next_action_due=dt.date(2026, 11, 26),
    )
    timed = services.deal_create(
        by=rep,
        title="Timed",
        company=CompanyFactory(),
        next_action="Call",
        next_action_due=dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))),
    )
    assert today.next_action_due_at == dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
    assert not today.is_overdue()
    assert timed.next_action_due_at == dt.datetime(2026, 11, 26, 11, 0, tzinfo=dt.UTC)
    assert timed.is_overdue()


def test_completing_the_next_action_records_it_and_sets_the_next(rep):
    deal = DealFactory(owner=rep, next_action="Send deck")
    deal = services.deal_complete_next_action(
        deal=deal,
        by=rep,
        kind="email",
        outcome="Sent, they liked it.",
        next_action="Book demo",
        next_action_due=TOMORROW,
    )
    assert (deal.next_action, deal.next_action_due_date) == ("Book demo", TOMORROW)
    activity = Activity.objects.get(deal=deal)
    assert (activity.kind, activity.body, activity.author) == (
        "email",
        "Done: Send deck\nSent, they liked it.",
        rep,
    )


def test_completing_without_the_next_one_is_refused_and_changes_nothing(rep):
    deal = DealFactory(owner=rep)
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_complete_next_action(
            deal=deal, by=rep, outcome="", next_action="", next_action_due=None
        )
    assert sorted(errors_of(excinfo)) == ["next_action", "next_action_due", "outcome"]
    assert snapshot(deal) == before


# R3 pipeline -------------------------------------------------------------------------------


def test_the_stage_cannot_be_assigned_directly(rep):
    deal = DealFactory(owner=rep)
    with pytest.raises(AttributeError, match="Direct stage modification is not allowed"):
        deal.stage = Stage.WON


def test_deal_update_refuses_a_stage(rep):
    deal = DealFactory(owner=rep)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_update(deal=deal, by=rep, stage="won")
    assert list(errors_of(excinfo)) == ["stage"]


def test_forward_one_step_at_a_time_recording_each_move(rep):
    deal = DealFactory(
        owner=rep,
        qualification_notes="Real need",
        amount=Decimal("5000"),
        expected_close_date=TOMORROW,
    )
    deal = services.deal_transition(deal=deal, by=rep, name="qualify")
    deal = services.deal_transition(deal=deal, by=rep, name="propose")
    deal = services.deal_transition(deal=deal, by=rep, name="negotiate")
    assert (deal.stage, deal.probability, deal.weighted_amount) == (
        "negotiation",
        75,
        Decimal("3750.00"),
    )
    moves = list(
        StageChange.objects.filter(deal=deal)
        .order_by("pk")
        .values_list("from_stage", "to_stage", "by")
    )
    assert moves == [
        ("lead", "qualified", rep.pk),
        ("qualified", "proposal", rep.pk),
        ("proposal", "negotiation", rep.pk),
    ]


@pytest.mark.parametrize(
    ("trait", "name"),
    [
        ({}, "propose"),
        ({}, "negotiate"),
        ({"qualified": True}, "negotiate"),
        ({"qualified": True}, "qualify"),
        ({"lost": True}, "qualify"),
    ],
)
def test_skipping_or_repeating_a_stage_is_refused(rep, trait, name):
    deal = DealFactory(
        owner=rep, qualification_notes="x", amount=Decimal(1), expected_close_date=TOMORROW, **trait
    )
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=rep, name=name)
    assert list(errors_of(excinfo)) == ["stage"]
    assert snapshot(deal) == before


def test_win_is_not_reachable_through_the_crm_transition(rep):
    deal = DealFactory(owner=rep, proposal=True)
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=rep, name="win")
    assert list(errors_of(excinfo)) == ["handoff"]
    with pytest.raises(TransitionNotAllowed):
        deal.win()
    assert snapshot(deal) == before


def test_reopen_is_for_managers_only_and_needs_a_next_action(rep, manager):
    deal = DealFactory(owner=rep, lost=True)
    before = snapshot(deal)
    with pytest.raises(PermissionDenied):
        services.deal_transition(deal=deal, by=rep, name="reopen")
    assert snapshot(deal) == before
    Deal.objects.filter(pk=deal.pk).update(next_action="")
    deal.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=manager, name="reopen")
    assert sorted(errors_of(excinfo)) == ["next_action"]
    deal = services.deal_transition(
        deal=deal,
        by=manager,
        name="reopen",
        params={"next_action": "Call again", "next_action_due": TOMORROW},
    )
    assert (deal.stage, deal.lost_reason, deal.next_action) == ("lead", None, "Call again")
    assert StageChange.objects.filter(deal=deal, to_stage="lead", by=manager).count() == 1


def test_a_stale_caller_gets_a_conflict(rep):
    deal = DealFactory(owner=rep, qualification_notes="ok")
    stale = Deal.objects.get(pk=deal.pk)
    services.deal_transition(deal=deal, by=rep, name="qualify")
    with pytest.raises(EditConflict):
        services.deal_transition(deal=stale, by=rep, name="qualify")
    with pytest.raises(EditConflict):
        services.deal_update(deal=Deal.objects.get(pk=deal.pk), by=rep, version=1, title="Old")
    assert StageChange.objects.filter(deal=deal).count() == 1


# R4 conditions -----------------------------------------------------------------------------


def test_qualify_needs_qualification_notes(rep):
    deal = DealFactory(owner=rep, qualification_notes="")
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=rep, name="qualify")
    assert errors_of(excinfo) == {
        "qualification_notes": ["Qualification notes are required to qualify a deal."]
    }
    assert snapshot(deal) == before


def test_qualify_with_the_missing_notes_in_the_same_step(rep):
    deal = DealFactory(owner=rep, qualification_notes="")
    deal = services.deal_transition(
        deal=deal, by=rep, name="qualify", params={"qualification_notes": "Budget 20k"}
    )
    assert (deal.stage, deal.qualification_notes) == ("qualified", "Budget 20k")


@pytest.mark.parametrize(
    ("amount", "close", "fields"),
    [
        (Decimal("0"), TOMORROW, ["amount"]),
        (Decimal("100"), None, ["expected_close_date"]),
        (Decimal("0"), None, ["amount", "expected_close_date"]),
    ],
)
def test_propose_needs_an_amount_and_a_close_date(rep, amount, close, fields):
    deal = DealFactory(owner=rep, qualified=True, amount=amount, expected_close_date=close)
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=rep, name="propose")
    assert sorted(errors_of(excinfo)) == fields
    assert snapshot(deal) == before


def test_a_proposed_deal_keeps_its_amount(rep):
    deal = DealFactory(owner=rep, proposal=True)
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_update(deal=deal, by=rep, amount=Decimal("0"))
    assert list(errors_of(excinfo)) == ["amount"]
    assert snapshot(deal) == before


def test_lose_needs_a_lost_reason(rep):
    deal = DealFactory(owner=rep, qualified=True)
    before = snapshot(deal)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=rep, name="lose", params={"note": "meh"})
    assert list(errors_of(excinfo)) == ["lost_reason_id"]
    assert snapshot(deal) == before
    reason = LostReason.objects.get(name="Price")
    deal = services.deal_transition(
        deal=deal, by=rep, name="lose", params={"lost_reason_id": reason.pk, "note": "Too dear"}
    )
    assert (deal.stage, deal.lost_reason, deal.lost_note, deal.probability) == (
        "lost",
        reason,
        "Too dear",
        0,
    )
    assert deal.lost_at is not None


def test_lose_with_an_unknown_reason_names_the_field(rep):
    deal = DealFactory(owner=rep)
    with pytest.raises(ValidationError) as excinfo:
        services.deal_transition(deal=deal, by=rep, name="lose", params={"lost_reason_id": 999999})
    assert list(errors_of(excinfo)) == ["lost_reason_id"]


def test_board_move_maps_columns_to_transitions(rep):
    deal = DealFactory(owner=rep, qualification_notes="ok")
    deal = services.deal_move(deal=deal, by=rep, to_stage="qualified")
    assert deal.stage == "qualified"
    with pytest.raises(ValidationError) as excinfo:
        services.deal_move(deal=deal, by=rep, to_stage="negotiation")
    assert list(errors_of(excinfo)) == ["stage"]
    with pytest.raises(ValidationError):
        services.deal_move(deal=deal, by=rep, to_stage="nonsense")


# Companies and contacts ---------------------------------------------------------------------


def test_company_domain_is_normalised_and_unique(rep):
    company = services.company_create(by=rep, name="Acme", domain="https://www.Acme.com/about")
    assert company.domain == "acme.com"
    with pytest.raises(ValidationError) as excinfo:
        services.company_create(by=rep, name="Acme 2", domain="ACME.com")
    assert errors_of(excinfo) == {"domain": ["A company with this web domain already exists."]}
    assert Company.objects.count() == 1


def test_contact_email_is_unique_case_insensitively(rep):
    services.contact_create(by=rep, first_name="Ann", email="Ann@Client.example")
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(by=rep, first_name="Ann", email="ann@client.EXAMPLE")
    assert errors_of(excinfo) == {"email": ["A contact with this email address already exists."]}


def test_a_deal_contact_must_belong_to_its_company(rep):
    contact = ContactFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.deal_create(
            by=rep,
            title="X",
            company=CompanyFactory(),
            contact=contact,
            next_action="Call",
            next_action_due=TOMORROW,
        )
    assert list(errors_of(excinfo)) == ["contact_id"]


def test_delivery_cannot_create_crm_records(lead):
    with pytest.raises(PermissionDenied):
        services.company_create(by=lead, name="Nope")
    assert Company.objects.count() == 0


def test_the_pipeline_is_read_off_the_fsm_once():
    from crm.models import PIPELINE, path_to, targets_from, transition_between

    assert [(t.name, t.sources, t.target) for t in PIPELINE.values()] == [
        ("qualify", ("lead",), "qualified"),
        ("propose", ("qualified",), "proposal"),
        ("negotiate", ("proposal",), "negotiation"),
        ("win", ("proposal", "negotiation"), "won"),
        ("lose", ("lead", "qualified", "proposal", "negotiation"), "lost"),
        ("reopen", ("lost",), "lead"),
    ]
    assert services.TRANSITIONS == ("qualify", "propose", "negotiate", "win", "lose", "reopen")
    assert [transition_between("proposal", s) for s in ("negotiation", "won", "lost", "lead")] == [
        "negotiate",
        "win",
        "lose",
        None,
    ]
    assert targets_from("proposal") == ["negotiation", "won", "lost"]
    assert targets_from("won") == []
    assert path_to("negotiation") == ["qualify", "propose", "negotiate"]
    assert path_to("lost") == ["lose"]
    with pytest.raises(KeyError):
        path_to("won")


def test_stale_has_one_meaning(rep):
    from django.utils import timezone

    from crm.models import Deal, StageSetting, stale_limits

    now = timezone.now()
    StageSetting.objects.filter(stage="qualified").delete()  # not configured: 30 days
    StageSetting.objects.filter(stage="lead").update(stale_after_days=5)
    fresh = DealFactory(owner=rep)
    old_lead = DealFactory(owner=rep, stage_entered_at=now - dt.timedelta(days=6))
    old_qualified = DealFactory(
        owner=rep, qualified=True, stage_entered_at=now - dt.timedelta(days=31)
    )
    young_qualified = DealFactory(
        owner=rep, qualified=True, stage_entered_at=now - dt.timedelta(days=29)
    )
    overdue = DealFactory(
        owner=rep, next_action_due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    won = DealFactory(owner=rep, won=True, stage_entered_at=now - dt.timedelta(days=400))
    assert stale_limits()["qualified"] == 30
    assert stale_limits()["lead"] == 5
    assert set(Deal.objects.stale(now)) == {old_lead, old_qualified, overdue}
    flags = {d.pk: (d.overdue, d.stale) for d in Deal.objects.with_staleness(now)}
    assert flags[overdue.pk] == (True, False)
    assert flags[old_lead.pk] == (False, True)
    assert flags[fresh.pk] == flags[young_qualified.pk] == (False, False)
    assert won not in Deal.objects.stale(now)


def test_a_won_deal_is_frozen_but_for_a_managers_recorded_correction(rep, manager, other_rep):
    from crm.models import Activity

    won = DealFactory(owner=rep, won=True, amount=Decimal("10000.00"))
    with pytest.raises(ValidationError) as refused:
        services.deal_update(deal=won, by=rep, amount=Decimal("12000"))
    assert refused.value.message_dict == {
        "amount": ["This deal is won: only a sales manager can correct it, with a reason."]
    }
    with pytest.raises(ValidationError) as refused:
        services.deal_update(deal=won, by=manager, amount=Decimal("12000"))
    assert list(refused.value.message_dict) == ["correction_reason"]
    with pytest.raises(ValidationError) as refused:
        services.deal_update(
            deal=won, by=manager, company=CompanyFactory(), correction_reason="Wrong company"
        )
    assert list(refused.value.message_dict) == ["company_id"]
    won.refresh_from_db()
    assert (won.amount, won.owner, won.version) == (Decimal("10000.00"), rep, 1)
    # The same values again are no change; a title edit needs no correction.
    services.deal_update(deal=won, by=rep, amount=Decimal("10000"), title="Renamed")
    corrected = services.deal_update(
        deal=won,
        by=manager,
        amount=Decimal("12000"),
        owner=other_rep,
        correction_reason="The signed order says 12,000",
    )
    assert (corrected.amount, corrected.owner, corrected.version) == (
        Decimal("12000.00"),
        other_rep,
        3,
    )
    note = Activity.objects.get(deal=won)
    assert note.author == manager
    assert note.body == (
        f"Corrected after the win. amount: 10000.00 → 12000.00; owner: {rep} → {other_rep}. "
        "Reason: The signed order says 12,000"
    )
