"""My work, the home of each role: exact contents and a constant number of queries."""

import datetime as dt
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal, StageChange
from crm.tests.factories import DealFactory
from projects.models import Dependency, Task
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=UTC)  # a Wednesday; the week began on 18 May
d = dt.date


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def stuck_in_stage(**kwargs) -> Deal:
    """An open deal 80 days in its stage (the limit is 30) whose next action is not due."""
    deal = DealFactory(**kwargs)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=NOW - dt.timedelta(days=80))
    return deal


@pytest.fixture
def team(now, manager, rep, other_rep):
    rep.full_name, other_rep.full_name = "Rita Rep", "Otto Other"
    rep.save()
    other_rep.save()
    late = [
        DealFactory(owner=rep, title=f"Late {i}", next_action_due_date=d(2026, 5, 10 + i))
        for i in range(2)
    ]
    stuck = stuck_in_stage(owner=rep, title="Stuck")
    DealFactory(owner=rep, title="Fine")
    other_late = DealFactory(
        owner=other_rep, title="Other late", next_action_due_date=d(2026, 5, 1)
    )
    DealFactory(won=True, owner=rep, title="Won in May", amount=Decimal("5000.00"))
    closing = DealFactory(
        proposal=True, owner=other_rep, title="Closing", expected_close_date=d(2026, 5, 28)
    )
    DealFactory(proposal=True, owner=other_rep, expected_close_date=d(2026, 6, 2))  # June
    moved = StageChange.objects.create(
        deal=closing, from_stage="qualified", to_stage="proposal", by=other_rep, at=NOW
    )
    StageChange.objects.create(
        deal=stuck,
        from_stage="lead",
        to_stage="qualified",
        by=rep,
        at=dt.datetime(2026, 5, 15, tzinfo=UTC),
    )  # last week
    return {"late": late, "stuck": stuck, "other_late": other_late, "moved": moved}


def test_the_managers_home_shows_the_teams_overdue_and_stuck_deals(
    client, manager, rep, other_rep, team, settings
):
    settings.RELAY_MONTHLY_SALES_TARGET = Decimal("20000")
    client.force_login(manager)
    response = client.get("/")
    got = response.context["team"]
    assert got["owners"] == [
        {"owner_id": rep.pk, "owner": "Rita Rep", "stuck": 3, "overdue": 2},
        {"owner_id": other_rep.pk, "owner": "Otto Other", "stuck": 1, "overdue": 1},
    ]
    assert (got["overdue"], got["stuck"]) == (3, 4)
    assert got["forecast"] == {
        "month": d(2026, 5, 1),
        "won": Decimal("5000.00"),
        "won_count": 1,
        "weighted": Decimal("5000.00"),  # 10,000 at the proposal's 50%
        "open_count": 1,
        "forecast": Decimal("10000.00"),
        "target": Decimal("20000.00"),
        "gap": Decimal("10000.00"),
        "share": Decimal("0.5000"),
    }
    assert (got["moved"], got["moved_total"]) == ([team["moved"]], 1)
    page = response.content.decode()
    assert "Nothing overdue" not in page
    assert (
        f'href="/deals/?stage=open&amp;overdue=on&amp;owner={rep.pk}&amp;sort=next_action_due_at">'
        f'2<span class="visually-hidden"> overdue deals of Rita Rep</span></a>'
    ) in page
    assert f"?stage=open&amp;stale=on&amp;owner={other_rep.pk}&amp;sort=next_action_due_at" in page
    assert "50% of the target of 20,000\u00a0EUR" in page
    assert '<span class="kpi-value">10,000\u00a0EUR</span>' in page
    assert f"Forecast against target, {dt.date.today():%b %Y}" in page
    assert "short of the target" in page
    assert f'<a href="/deals/{team["moved"].deal_id}/">Closing</a>' in page


def test_the_managers_home_without_a_target_says_so(client, manager, team):
    client.force_login(manager)
    response = client.get("/")
    assert response.context["team"]["forecast"]["share"] is None
    assert "No monthly target set" in response.content.decode()


def test_a_rep_has_no_team_but_their_stuck_deals(client, rep, team):
    client.force_login(rep)
    response = client.get("/")
    assert "team" not in response.context
    assert (response.context["stuck_deals"], response.context["stuck_total"]) == (
        [team["stuck"]],
        1,
    )
    assert response.context["next_actions"]["overdue"] == team["late"]
    assert f'<a href="/deals/{team["stuck"].pk}/">Stuck</a>' in response.content.decode()


def test_the_deal_list_filters_stuck_deals(client, rep, other_rep, team):
    client.force_login(rep)
    response = client.get(reverse("crm:deal-list"), {"stale": "on", "owner": rep.pk})
    assert sorted(d.title for d in response.context["object_list"]) == [
        "Late 0",
        "Late 1",
        "Stuck",
    ]


def test_the_delivery_leads_home_shows_her_projects_late_tasks_and_load(
    client, lead, member, delivery_world
):
    client.force_login(lead)
    response = client.get("/")
    context = response.context
    assert [(p.name, p.slip_days) for p in context["led_projects"]] == [
        ("Alpha", 11),  # at risk first; forecast Fri 12 June against the promised 1 June
        ("Beta", None),
        ("Delta", None),  # not planned yet: last
    ]
    assert context["led_projects_total"] == 3
    assert [(t.project.name, t.planned_finish, t.assignee) for t in context["late_tasks"]] == [
        ("Beta", d(2026, 5, 5), None),
        ("Alpha", d(2026, 5, 15), member),
    ]
    assert context["late_tasks_total"] == 2
    # Ready to approve first, then by due date.
    assert [(m.name, m.open_task_count) for m in context["my_approvals"]] == [
        ("Closed project", 0),
        ("Go-live", 0),
        ("Sign-off", 1),
    ]
    load = context["team_load"]
    assert [(r["person"], [r[f"w{i}"] for i in range(4)]) for r in load.rows] == [
        ("Mia Member", [5, 2, 0, 0]),  # Monday 25 May is a holiday
        ("Lena Lead", [2, 0, 0, 0]),
    ]
    page = response.content.decode()
    alpha = delivery_world["p1"]
    assert (
        f'<a href="/projects/{alpha.pk}/">Alpha</a> <span class="badge danger">At risk: 11 days late</span>'
        in page
    )
    assert 'id="team-load"' in page


def test_a_members_tasks_come_in_order_of_need(client, member, now):
    project = ProjectFactory(status="active", members=[member])
    paused = ProjectFactory(status="on_hold", members=[member])

    def task(title, finish, **kwargs):
        return TaskFactory(
            project=kwargs.pop("project", project),
            title=title,
            assignee=member,
            planned_start=finish and finish - dt.timedelta(days=1),
            planned_finish=finish,
            **kwargs,
        )

    later = task("Later", d(2026, 5, 22))
    first = task("Oldest overdue", d(2026, 5, 10))
    task("Overdue", d(2026, 5, 12), status="in_progress")
    task("Paused", d(2026, 5, 1), project=paused)  # on hold: not overdue
    task("Same day", d(2026, 5, 21))
    task("Same day, critical", d(2026, 5, 21), is_critical=True)
    task("Same day, started", d(2026, 5, 21), status="in_progress")
    task("Unplanned", None)
    task("Done", d(2026, 5, 2), status="done")
    TaskFactory(project=project, title="Someone else's", planned_finish=d(2026, 5, 1))
    Dependency.objects.create(project=project, predecessor=first, successor=later)
    client.force_login(member)
    response = client.get("/")
    tasks = response.context["my_tasks"]
    assert [(t.title, t.late, t.blockers) for t in tasks] == [
        ("Oldest overdue", True, []),
        ("Overdue", True, []),
        ("Paused", False, []),
        ("Same day, critical", False, []),
        ("Same day, started", False, []),
        ("Same day", False, []),
        ("Later", False, ["Oldest overdue"]),
        ("Unplanned", False, []),
    ]
    assert response.context["my_tasks_total"] == 8
    assert "led_projects" not in response.context and "team_load" not in response.context
    assert "Waiting for Oldest overdue" in response.content.decode()


# Query counts ------------------------------------------------------------------------------


def add_world(n, manager_, lead_, member_):
    """``n`` reps with overdue, stuck, won and moving deals; ``n`` projects led by the lead
    with late tasks, milestones to approve and members' tasks."""
    today = NOW.date()
    for i in range(n):
        owner = UserFactory(role=Role.SALES_REP)
        DealFactory(owner=owner, next_action_due_date=today - dt.timedelta(days=i + 1))
        stuck_in_stage(owner=owner)
        DealFactory(won=True, owner=owner, amount=Decimal(100 + i))
        deal = DealFactory(proposal=True, owner=owner, expected_close_date=today)
        StageChange.objects.create(
            deal=deal, from_stage="qualified", to_stage="proposal", by=owner, at=NOW
        )
        DealFactory(owner=manager_, next_action_due_date=today - dt.timedelta(days=2))
        project = ProjectFactory(
            status="active",
            delivery_lead=lead_,
            members=[member_],
            at_risk=bool(i % 2),
            promised_date=today,
            planned_finish=today + dt.timedelta(days=i),
        )
        milestone = MilestoneFactory(project=project, requires_approval=True, approver=lead_)
        for person in (member_, lead_):
            late = TaskFactory(
                project=project,
                assignee=person,
                milestone=milestone,
                planned_start=today - dt.timedelta(days=5),
                planned_finish=today - dt.timedelta(days=1),
            )
            soon = TaskFactory(
                project=project,
                assignee=person,
                planned_start=today,
                planned_finish=today + dt.timedelta(days=6),
                duration_days=5,
            )
            Dependency.objects.create(project=project, predecessor=late, successor=soon)


# session, user, the user's groups (roles), then per part of the page:
# a rep's day: overdue, due today (each with its count), activity (2), the stale limits
# and stuck deals; delivery: my tasks, my approvals (a rep has no tasks: no blockers to
# look up).
REP_QUERIES = 3 + 2 + 2 + 2 + 2
# a manager adds the team: stale deals by owner, won this month, the month's forecast,
# the week's moves.
MANAGER_QUERIES = REP_QUERIES + 4
# my tasks, their blockers, my approvals.
MEMBER_QUERIES = 3 + 3
# a lead adds the projects she leads, their late tasks, the holidays and the team's load.
LEAD_QUERIES = MEMBER_QUERIES + 4


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize(
    "who, queries",
    [
        ("rep", REP_QUERIES),
        ("manager", MANAGER_QUERIES),
        ("lead", LEAD_QUERIES),
        ("member", MEMBER_QUERIES),
    ],
)
def test_each_roles_home_takes_a_fixed_number_of_queries(
    client, now, rep, manager, lead, member, who, queries, size, django_assert_num_queries
):
    add_world(size, manager, lead, member)
    user = {"rep": rep, "manager": manager, "lead": lead, "member": member}[who]
    client.force_login(user)
    with django_assert_num_queries(queries):
        response = client.get("/")
    assert response.status_code == 200
    if who == "manager":
        assert response.context["team"]["overdue"] == 2 * size
        assert len(response.context["team"]["owners"]) == size + 1
    if who == "lead":
        assert response.context["led_projects_total"] == size
        assert response.context["late_tasks_total"] == 2 * size
    if who == "member":
        assert response.context["my_tasks_total"] == 2 * size
        assert Task.objects.filter(assignee=member).count() == 2 * size
