"""Factory worlds for the dashboards: exact, hand-countable sales and delivery data."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal, LeadSource
from crm.tests.factories import DealFactory
from handoff.models import Handoff
from projects.models import Holiday, Milestone, ProjectTemplate, TemplateTask
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory

UTC = dt.UTC
SALES_NOW = dt.datetime(2026, 5, 15, 12, 0, tzinfo=UTC)  # a Friday
DELIVERY_NOW = dt.datetime(2026, 5, 18, 9, 0, tzinfo=UTC)  # a Monday


def at(y, m, d, h=12):
    return dt.datetime(y, m, d, h, 0, tzinfo=UTC)


def make_deal(*, created, stage_entered=None, **kwargs) -> Deal:
    deal = DealFactory(**kwargs)
    Deal.objects.filter(pk=deal.pk).update(
        created_at=created, stage_entered_at=stage_entered or created
    )
    deal.refresh_from_db()
    return deal


@pytest.fixture
def sales_now():
    with time_machine.travel(SALES_NOW, tick=False):
        yield SALES_NOW


@pytest.fixture
def sales_world(sales_now, rep, other_rep):
    """Four open deals (one per open stage), three won, one lost; see each test's counts."""
    rep.full_name, other_rep.full_name = "Rita Rep", "Otto Rep"
    rep.save()
    other_rep.save()
    website = LeadSource.objects.get(name="Website")
    referral = LeadSource.objects.get(name="Referral")
    deals = {
        "lead": make_deal(
            owner=rep,
            amount=Decimal("1000.00"),
            source=website,
            expected_close_date=dt.date(2026, 6, 10),
            next_action_due_date=dt.date(2026, 5, 20),
            created=at(2026, 5, 1),
            stage_entered=SALES_NOW - dt.timedelta(days=2),
        ),
        "proposal": make_deal(
            proposal=True,
            owner=rep,
            amount=Decimal("10000.00"),
            source=referral,
            expected_close_date=dt.date(2026, 5, 30),
            next_action_due_date=dt.date(2026, 5, 10),  # overdue
            created=at(2026, 4, 20),
            stage_entered=SALES_NOW - dt.timedelta(days=5),
        ),
        "negotiation": make_deal(
            negotiation=True,
            owner=other_rep,
            amount=Decimal("20000.00"),
            source=website,
            expected_close_date=dt.date(2026, 7, 15),
            next_action_due_date=dt.date(2026, 5, 18),
            created=at(2026, 3, 15),
            stage_entered=SALES_NOW - dt.timedelta(days=40),  # stale: limit 30
        ),
        "qualified": make_deal(
            qualified=True,
            owner=other_rep,
            amount=Decimal("4000.00"),
            source=None,
            expected_close_date=dt.date(2026, 12, 1),
            next_action_due_date=dt.date(2026, 5, 16),
            created=at(2026, 5, 10),
            stage_entered=SALES_NOW - dt.timedelta(days=1),
        ),
        "won1": make_deal(
            won=True,
            owner=rep,
            amount=Decimal("10000.00"),
            source=website,
            won_at=at(2026, 4, 10),
            created=at(2026, 3, 1),
        ),
        "won2": make_deal(
            won=True,
            owner=other_rep,
            amount=Decimal("5000.00"),
            source=referral,
            won_at=at(2026, 5, 2),
            created=at(2026, 4, 2),
        ),
        "won_old": make_deal(
            won=True,
            owner=rep,
            amount=Decimal("3000.00"),
            source=website,
            won_at=at(2025, 4, 20),
            created=at(2025, 3, 1),
        ),
        "lost": make_deal(
            lost=True,
            owner=rep,
            amount=Decimal("7000.00"),
            source=website,
            created=at(2026, 2, 1),
        ),
    }
    return deals


@pytest.fixture
def delivery_now():
    with time_machine.travel(DELIVERY_NOW, tick=False):
        yield DELIVERY_NOW


@pytest.fixture
def delivery_world(delivery_now, lead, member):
    """Projects p1 (at risk), p2 (member's), p3 (done), p4 (planning); tasks, milestones,
    a holiday on Monday 25 May 2026."""
    lead.full_name, member.full_name = "Lena Lead", "Mia Member"
    lead.save()
    member.save()
    Holiday.objects.create(date=dt.date(2026, 5, 25), name="Whit Monday")
    p1 = ProjectFactory(
        name="Alpha",
        delivery_lead=lead,
        status="active",
        at_risk=True,
        promised_date=dt.date(2026, 6, 1),
        planned_finish=dt.date(2026, 6, 11),
        forecast_finish=dt.date(2026, 6, 12),
        baseline_finish=dt.date(2026, 6, 1),
    )
    p2 = ProjectFactory(
        name="Beta",
        delivery_lead=lead,
        status="active",
        planned_finish=dt.date(2026, 7, 1),
        forecast_finish=dt.date(2026, 7, 1),
        baseline_finish=dt.date(2026, 7, 3),
        members=[member],
    )
    p3 = ProjectFactory(name="Gamma", delivery_lead=lead, status="done", at_risk=True)
    p4 = ProjectFactory(name="Delta", delivery_lead=lead, status="planning")

    def task(project, start, finish, assignee=None, status="todo", days=1, milestone=None):
        return TaskFactory(
            project=project,
            assignee=assignee,
            status=status,
            duration_days=days,
            planned_start=start,
            planned_finish=finish,
            milestone=milestone,
        )

    m1 = MilestoneFactory(
        project=p1,
        name="Sign-off",
        requires_approval=True,
        approver=lead,
        due_date=dt.date(2026, 5, 29),
    )
    MilestoneFactory(
        project=p2,
        name="Approved already",
        requires_approval=True,
        approver=lead,
        due_date=dt.date(2026, 5, 20),
    )
    Milestone.objects.filter(name="Approved already").update(
        approved_at=DELIVERY_NOW, approved_by=lead
    )
    MilestoneFactory(project=p3, name="Closed project", requires_approval=True, approver=lead)
    MilestoneFactory(project=p2, name="Go-live", requires_approval=True, approver=lead)
    MilestoneFactory(project=p2, name="No approval needed")

    d = dt.date
    task(p1, d(2026, 5, 11), d(2026, 5, 15), member, days=5, milestone=m1)  # overdue
    task(p1, d(2026, 5, 18), d(2026, 5, 27), member, status="in_progress", days=7)
    task(p2, d(2026, 5, 20), d(2026, 5, 21), lead, days=2)
    task(p2, d(2026, 5, 18), d(2026, 5, 19), lead, status="done", days=2)
    task(p2, d(2026, 5, 1), d(2026, 5, 5), None, days=3)  # overdue, unassigned
    task(p3, d(2026, 5, 1), d(2026, 5, 1), member)  # closed project
    task(p1, d(2026, 5, 20), d(2026, 5, 20), member, days=0)  # a milestone task
    task(p2, d(2026, 7, 6), d(2026, 7, 10), member, days=5)
    task(p2, d(2026, 7, 13), d(2026, 7, 14), member, days=2)  # after the 8 weeks
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "m1": m1}


@pytest.fixture
def demand_world(delivery_now, lead, member, rep):
    """Open deals for the demand report; a "Small job" template of 4 working days."""
    Holiday.objects.create(date=dt.date(2026, 5, 25), name="Whit Monday")
    UserFactory(username="gone", role=Role.DELIVERY_MEMBER, is_active=False)
    small = ProjectTemplate.objects.create(name="Small job")
    TemplateTask.objects.create(template=small, title="Do it", duration_days=4)
    created = at(2026, 1, 5)
    deals = {
        "june_default": make_deal(
            proposal=True, owner=rep, expected_close_date=dt.date(2026, 6, 10), created=created
        ),
        "june_small": make_deal(
            negotiation=True, owner=rep, expected_close_date=dt.date(2026, 6, 20), created=created
        ),
        "past": make_deal(owner=rep, expected_close_date=dt.date(2026, 4, 20), created=created),
        "won": make_deal(
            won=True, owner=rep, expected_close_date=dt.date(2026, 6, 1), created=created
        ),
        "later": make_deal(
            qualified=True, owner=rep, expected_close_date=dt.date(2026, 12, 1), created=created
        ),
        "undated": make_deal(proposal=True, owner=rep, expected_close_date=None, created=created),
    }
    Handoff.objects.create(deal=deals["june_small"], template=small)
    return {"small": small, **deals}
