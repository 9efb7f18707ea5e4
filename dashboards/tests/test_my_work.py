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

TEAM = "/my-work/team/"
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
    home = client.get("/").content.decode()
    assert (
        '<div class="grid two" id="team-sales" hx-get="/my-work/team/" hx-trigger="load" '
        'hx-swap="outerHTML">'
    ) in home
    response = client.get(TEAM, headers={"HX-Request": "true"})
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
    moved = team["moved"]
    assert [(m.deal, m.from_stage, m.to_stage, m.at, m.by, m.moves) for m in got["moved"]] == [
        (moved.deal, "qualified", "proposal", NOW, other_rep, 1)
    ]
    assert got["moved_total"] == 1
    page = response.content.decode()
    assert page.startswith('\n<div class="grid two" id="team-sales">')  # the part alone
    assert "<html" not in page
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


def test_a_deal_that_moved_several_times_this_week_is_one_row(client, manager, rep, now):
    deal = DealFactory(owner=rep, title="Fast mover")
    other = DealFactory(owner=rep, title="Slow mover")
    for hours, (from_stage, to_stage) in enumerate(
        [("lead", "qualified"), ("qualified", "proposal"), ("proposal", "negotiation")]
    ):
        StageChange.objects.create(
            deal=deal,
            from_stage=from_stage,
            to_stage=to_stage,
            by=rep,
            at=NOW - dt.timedelta(hours=3 - hours),
        )
    StageChange.objects.create(
        deal=other,
        from_stage="lead",
        to_stage="qualified",
        by=manager,
        at=NOW - dt.timedelta(days=1),
    )
    client.force_login(manager)
    team = client.get(TEAM, headers={"HX-Request": "true"})
    moved = team.context["team"]["moved"]
    assert [(m.deal.title, m.from_label, m.to_label, m.moves) for m in moved] == [
        ("Fast mover", "Lead", "Negotiation", 3),
        ("Slow mover", "Lead", "Qualified", 1),
    ]
    assert team.context["team"]["moved_total"] == 2
    assert "</span> in 3 moves · Wed 20 May, 09:00 by " in team.content.decode()


def test_the_managers_team_without_a_target_says_so_on_a_page_of_its_own(client, manager, team):
    client.force_login(manager)
    response = client.get(TEAM)  # opened without htmx (the placeholder's link)
    assert response.context["team"]["forecast"]["share"] is None
    page = response.content.decode()
    assert "No monthly target set" in page
    assert "<title>My team" in page and "<h1>My team</h1>" in page
    assert 'id="team-stuck"' in page


@pytest.mark.parametrize(
    "who, status", [("rep", 403), ("lead", 403), ("member", 403), ("anonymous", 302)]
)
def test_only_a_sales_manager_sees_the_teams_figures(client, rep, lead, member, who, status):
    if who != "anonymous":
        client.force_login({"rep": rep, "lead": lead, "member": member}[who])
    response = client.get(TEAM, headers={"HX-Request": "true"})
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/accounts/login/?next={TEAM}"


def test_a_rep_has_no_team_but_their_stuck_deals(client, rep, team):
    client.force_login(rep)
    response = client.get("/")
    assert "team" not in response.context and not response.context["shows_team"]
    assert 'id="team-sales"' not in response.content.decode()
    assert (response.context["stuck_deals"], response.context["stuck_total"]) == (
        [team["stuck"]],
        1,
    )
    assert response.context["next_actions"]["overdue"] == team["late"]
    assert f'<a href="/deals/{team["stuck"].pk}/">Stuck</a>' in response.content.decode()


def test_a_stuck_deal_due_today_is_listed_once_under_due_today(client, rep, now):
    rep.time_zone = "Europe/Berlin"
    rep.save()
    later_today = stuck_in_stage(
        owner=rep, title="Stuck, due at five", next_action_due_date=d(2026, 5, 20)
    )
    Deal.objects.filter(pk=later_today.pk).update(
        next_action_due_time=dt.time(17, 0),
        next_action_due_at=dt.datetime(2026, 5, 20, 15, 0, tzinfo=UTC),  # 17:00 in Berlin
    )
    tomorrow = stuck_in_stage(
        owner=rep, title="Stuck, due tomorrow", next_action_due_date=d(2026, 5, 21)
    )
    client.force_login(rep)
    context = client.get("/").context
    assert [deal.title for deal in context["next_actions"]["due_today"]] == ["Stuck, due at five"]
    assert (context["stuck_deals"], context["stuck_total"]) == ([tomorrow], 1)
    page = client.get("/").content.decode()
    assert "since 1 Mar 2026 · next: " in page  # 80 days before 20 May, with its year


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
# a manager's home is a rep's day: the team's figures load on their own (TEAM_QUERIES).
MANAGER_QUERIES = REP_QUERIES
# session, user, groups; the stale limits, stale deals by owner and the owners, won this
# month, the month's forecast, the deals that moved this week, their count, their moves.
TEAM_QUERIES = 3 + 1 + 2 + 2 + 3
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
        assert response.context["shows_team"]
        with django_assert_num_queries(TEAM_QUERIES):
            team = client.get(TEAM, headers={"HX-Request": "true"}).context["team"]
        assert team["overdue"] == 2 * size
        assert len(team["owners"]) == size + 1
        assert team["moved_total"] == size
    if who == "lead":
        assert response.context["led_projects_total"] == size
        assert response.context["late_tasks_total"] == 2 * size
    if who == "member":
        assert response.context["my_tasks_total"] == 2 * size
        assert Task.objects.filter(assignee=member).count() == 2 * size
