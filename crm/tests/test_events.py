"""The CRM's domain events (records.events): each change emits exactly once, from the one
service that makes it, with a small stable payload; a refusal emits nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from crm import services
from crm.models import LostReason, Stage
from crm.services import DealRow
from crm.tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 12, 10)


def test_creating_a_deal_emits_deal_created_once(rep, events):
    company = CompanyFactory()
    deal = services.deal_create(
        by=rep,
        title="Shop",
        company=company,
        amount=Decimal("1200.50"),
        next_action="Call",
        next_action_due=DUE,
    )
    assert events == [
        (
            "deal.created",
            {
                "id": deal.pk,
                "title": "Shop",
                "stage": "lead",
                "amount": "1200.50",
                "currency": deal.currency,
                "company_id": company.pk,
                "owner_id": rep.pk,
            },
        )
    ]


def test_a_refused_create_emits_nothing(rep, events):
    with pytest.raises(Exception, match="next"):
        services.deal_create(
            by=rep, title="Shop", company=CompanyFactory(), next_action="", next_action_due=None
        )
    assert events == []


def test_each_transition_emits_stage_changed_once_with_from_and_to(rep, manager, events):
    deal = DealFactory(owner=rep)
    deal = services.deal_transition(
        deal=deal, by=rep, name="qualify", params={"qualification_notes": "Budget."}
    )
    deal = services.deal_move(
        deal=deal,
        by=rep,
        to_stage=Stage.PROPOSAL,
        params={"amount": Decimal("500"), "expected_close_date": DUE},
    )
    assert [(t, d["from_stage"], d["to_stage"], d["stage"]) for t, d in events] == [
        ("deal.stage_changed", "lead", "qualified", "qualified"),
        ("deal.stage_changed", "qualified", "proposal", "proposal"),
    ]


def test_losing_emits_stage_changed_and_deal_lost_and_reopening_stage_changed(rep, manager, events):
    deal = DealFactory(owner=rep, qualified=True)
    reason = LostReason.objects.order_by("pk").first()
    deal = services.deal_transition(deal=deal, by=rep, name="lose", params={"lost_reason": reason})
    assert [t for t, _ in events] == ["deal.stage_changed", "deal.lost"]
    assert events[1][1]["stage"] == "lost" and events[1][1]["id"] == deal.pk
    events.clear()
    services.deal_transition(
        deal=deal,
        by=manager,
        name="reopen",
        params={"next_action": "Call again", "next_action_due": DUE},
    )
    assert [(t, d["from_stage"], d["to_stage"]) for t, d in events] == [
        ("deal.stage_changed", "lost", "lead")
    ]


def test_a_refused_transition_emits_nothing(rep, events):
    deal = DealFactory(owner=rep)
    with pytest.raises(Exception, match="Qualification notes"):
        services.deal_transition(deal=deal, by=rep, name="qualify")
    assert events == []


def test_an_import_emits_created_per_new_deal_and_stage_changed_per_moved_one(manager, events):
    company = CompanyFactory()
    existing = DealFactory(owner=manager, company=company, title="Old")
    outcomes = services.deals_import(
        by=manager,
        rows=[
            DealRow(title="New", company=company, next_action="Call", next_action_due=DUE),
            DealRow(
                title="History",
                company=company,
                stage=Stage.WON,
                amount=Decimal("100"),
                expected_close_date=DUE,
                qualification_notes="Yes",
                closed_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
            ),
            DealRow(
                title="Old",
                company=company,
                existing=existing,
                stage=Stage.QUALIFIED,
                qualification_notes="Budget.",
            ),
        ],
    )
    assert [o.error for o in outcomes] == [None, None, None]
    new, history = outcomes[0].record, outcomes[1].record
    assert [(t, d["id"], d["stage"], d.get("from_stage")) for t, d in events] == [
        ("deal.created", new.pk, "lead", None),
        ("deal.created", history.pk, "won", None),  # closed elsewhere: no deal.won
        ("deal.stage_changed", existing.pk, "qualified", "lead"),
    ]
