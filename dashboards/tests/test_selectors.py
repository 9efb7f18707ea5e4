"""Every report against hand-counted factory data (see conftest for the worlds)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts.roles import Role
from crm.models import Deal, StageSetting
from dashboards import selectors
from dashboards.selectors import Period
from projects.models import Holiday, ProjectTemplate
from projects.selectors import template_planned_working_days
from projects.tests.factories import finished_project

pytestmark = pytest.mark.django_db
UTC = dt.UTC
LAST_12 = Period(dt.date(2025, 6, 1), dt.date(2026, 5, 15))


def test_pipeline_by_stage_counts_totals_and_weights_the_open_stages(sales_world, manager):
    assert selectors.pipeline_by_stage(user=manager) == [
        {
            "stage": "lead",
            "label": "Lead",
            "count": 1,
            "total": D("1000.00"),
            "weighted": D("100.00"),
        },
        {
            "stage": "qualified",
            "label": "Qualified",
            "count": 1,
            "total": D("4000.00"),
            "weighted": D("1000.00"),
        },
        {
            "stage": "proposal",
            "label": "Proposal",
            "count": 1,
            "total": D("10000.00"),
            "weighted": D("5000.00"),
        },
        {
            "stage": "negotiation",
            "label": "Negotiation",
            "count": 1,
            "total": D("20000.00"),
            "weighted": D("15000.00"),
        },
    ]


def test_pipeline_by_stage_for_one_owner(sales_world, manager, rep):
    rows = selectors.pipeline_by_stage(user=manager, owner_id=rep.pk)
    assert [(r["stage"], r["count"], r["total"]) for r in rows] == [
        ("lead", 1, D("1000.00")),
        ("qualified", 0, D("0.00")),
        ("proposal", 1, D("10000.00")),
        ("negotiation", 0, D("0.00")),
    ]


def test_forecast_by_expected_close_month_for_six_months(sales_world):
    rows = selectors.forecast_by_month(today=dt.date(2026, 5, 15))
    assert rows == [
        {
            "month": dt.date(2026, 5, 1),
            "count": 1,
            "total": D("10000.00"),
            "weighted": D("5000.00"),
        },
        {"month": dt.date(2026, 6, 1), "count": 1, "total": D("1000.00"), "weighted": D("100.00")},
        {
            "month": dt.date(2026, 7, 1),
            "count": 1,
            "total": D("20000.00"),
            "weighted": D("15000.00"),
        },
        {"month": dt.date(2026, 8, 1), "count": 0, "total": D("0.00"), "weighted": D("0.00")},
        {"month": dt.date(2026, 9, 1), "count": 0, "total": D("0.00"), "weighted": D("0.00")},
        {"month": dt.date(2026, 10, 1), "count": 0, "total": D("0.00"), "weighted": D("0.00")},
    ]


def test_forecast_window_and_owner(sales_world, other_rep):
    rows = selectors.forecast_by_month(today=dt.date(2026, 5, 15), months=8, owner_id=other_rep.pk)
    assert [(r["month"].month, r["count"]) for r in rows] == [
        (5, 0),
        (6, 0),
        (7, 1),
        (8, 0),
        (9, 0),
        (10, 0),
        (11, 0),
        (12, 1),
    ]


def test_won_revenue_by_month_covers_every_month_of_the_period(sales_world):
    rows = selectors.won_by_month(period=LAST_12, zone=UTC)
    assert len(rows) == 12
    assert rows[0] == {"month": dt.date(2025, 6, 1), "count": 0, "revenue": D("0.00")}
    assert [(r["month"], r["count"], r["revenue"]) for r in rows if r["count"]] == [
        (dt.date(2026, 4, 1), 1, D("10000.00")),
        (dt.date(2026, 5, 1), 1, D("5000.00")),
    ]


def test_won_revenue_months_follow_the_users_time_zone(sales_world):
    Deal.objects.filter(pk=sales_world["won2"].pk).update(
        won_at=dt.datetime(2026, 4, 30, 23, 30, tzinfo=UTC)
    )
    berlin = selectors.zoneinfo.ZoneInfo("Europe/Berlin")
    rows = selectors.won_by_month(period=LAST_12, zone=berlin)
    assert [(r["month"].month, r["count"]) for r in rows if r["count"]] == [(4, 1), (5, 1)]
    rows = selectors.won_by_month(period=LAST_12, zone=UTC)
    assert [(r["month"].month, r["count"]) for r in rows if r["count"]] == [(4, 2)]


def test_source_funnel_with_win_rate(sales_world):
    assert selectors.source_funnel(period=LAST_12, zone=UTC) == [
        {
            "source_id": sales_world["proposal"].source_id,
            "source": "Referral",
            "deals": 2,
            "won": 1,
            "lost": 0,
            "won_amount": D("5000.00"),
            "win_rate": D("1.0000"),
        },
        {
            "source_id": sales_world["lead"].source_id,
            "source": "Website",
            "deals": 4,
            "won": 1,
            "lost": 1,
            "won_amount": D("10000.00"),
            "win_rate": D("0.5000"),
        },
        {
            "source_id": None,
            "source": "No source",
            "deals": 1,
            "won": 0,
            "lost": 0,
            "won_amount": D("0.00"),
            "win_rate": None,
        },
    ]


def test_source_funnel_all_time_and_one_owner(sales_world, rep):
    rows = selectors.source_funnel(period=Period(None, None), zone=UTC, owner_id=rep.pk)
    assert [
        (r["source"], r["deals"], r["won"], r["lost"], r["won_amount"], r["win_rate"]) for r in rows
    ] == [
        ("Referral", 1, 0, 0, D("0.00"), None),
        ("Website", 4, 2, 1, D("13000.00"), D("0.6667")),
    ]


def test_average_sales_cycle_of_deals_won_in_the_period(sales_world):
    # won1: 1 Mar -> 10 Apr = 40 days; won2: 2 Apr -> 2 May = 30 days.
    assert selectors.sales_cycle(period=LAST_12, zone=UTC) == {"won": 2, "average_days": D("35.0")}
    assert selectors.sales_cycle(period=Period(None, None), zone=UTC) == {
        "won": 3,
        "average_days": D("40.0"),  # and won_old: 1 Mar 2025 -> 20 Apr 2025 = 50 days
    }
    assert selectors.sales_cycle(
        period=Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), zone=UTC
    ) == {
        "won": 0,
        "average_days": None,
    }


def test_follow_up_compliance_by_owner(sales_world, rep, other_rep, sales_now):
    rows = selectors.follow_up_by_owner(now=sales_now)
    assert rows == [
        {
            "owner_id": rep.pk,
            "owner": "Rita Rep",
            "open_deals": 2,
            "with_next_action": 2,
            "overdue": 1,
            "compliance": D("0.5000"),
        },
        {
            "owner_id": other_rep.pk,
            "owner": "Otto Rep",
            "open_deals": 2,
            "with_next_action": 2,
            "overdue": 0,
            "compliance": D("1.0000"),
        },
    ]
    assert selectors.follow_up_totals(rows) == {
        "open_deals": 4,
        "with_next_action": 4,
        "overdue": 1,
        "compliance": D("0.7500"),
    }
    assert selectors.follow_up_totals([]) == {
        "open_deals": 0,
        "with_next_action": 0,
        "overdue": 0,
        "compliance": None,
    }


def test_stuck_deals_are_overdue_or_stale_most_overdue_first(sales_world, sales_now):
    deals, total = selectors.stuck_deals(now=sales_now)
    assert [(d.title, d.overdue, d.stale, d.days_in_stage) for d in deals] == [
        (sales_world["proposal"].title, True, False, 5),
        (sales_world["negotiation"].title, False, True, 40),
    ]
    assert total == 2


def test_stuck_deals_follow_the_stage_setting_and_the_limit(sales_world, sales_now):
    StageSetting.objects.filter(stage="lead").update(stale_after_days=1)
    deals, total = selectors.stuck_deals(now=sales_now, limit=1)
    assert total == 3
    assert [d.title for d in deals] == [sales_world["proposal"].title]
    deals, total = selectors.stuck_deals(now=sales_now)
    assert [d.title for d in deals] == [
        sales_world["proposal"].title,
        sales_world["negotiation"].title,
        sales_world["lead"].title,
    ]


# Delivery ----------------------------------------------------------------------------------


def test_project_health_counts_open_projects_and_risk(delivery_world, lead, member, manager):
    expected = {"open": 3, "planning": 1, "active": 2, "on_hold": 0, "at_risk": 1}
    assert selectors.project_health(user=lead) == expected
    # These are internal projects (no won deal): a sales manager cannot open them, so the
    # dashboard does not count them for one either.
    assert selectors.project_health(user=manager) == dict.fromkeys(expected, 0)
    assert selectors.project_health(user=member) == {
        "open": 1,
        "planning": 0,
        "active": 1,
        "on_hold": 0,
        "at_risk": 0,
    }


def test_at_risk_projects_with_their_slip(delivery_world, lead, member):
    projects, total = selectors.at_risk_projects(user=lead)
    # Promised Mon 1 June, forecast Fri 12 June (planned Thu 11): 11 days late.
    assert [(p.name, p.slip_days) for p in projects] == [("Alpha", 11)]
    assert total == 1
    assert selectors.at_risk_projects(user=member) == ([], 0)


def test_overdue_tasks_by_person(delivery_world, lead, member):
    today = dt.date(2026, 5, 18)
    assert selectors.overdue_tasks_by_person(user=lead, today=today) == [
        {
            "person_id": member.pk,
            "person": "Mia Member",
            "count": 1,
            "oldest": dt.date(2026, 5, 15),
            "days_late": 3,
        },
        {
            "person_id": None,
            "person": "Unassigned",
            "count": 1,
            "oldest": dt.date(2026, 5, 5),
            "days_late": 13,
        },
    ]
    # The member sees Beta only, where the overdue task is unassigned.
    assert [r["person"] for r in selectors.overdue_tasks_by_person(user=member, today=today)] == [
        "Unassigned"
    ]


def test_approvals_pending_soonest_first_with_open_tasks(delivery_world, lead):
    milestones, total = selectors.approvals_pending(user=lead)
    assert [(m.name, m.project.name, m.open_tasks) for m in milestones] == [
        ("Sign-off", "Alpha", 1),
        ("Go-live", "Beta", 0),
    ]
    assert total == 2


def test_load_per_person_per_week_counts_working_days(delivery_world, lead, member):
    holidays = selectors.holidays_between(dt.date(2026, 5, 1), dt.date(2026, 12, 31))
    data = selectors.load_by_person_week(user=lead, today=dt.date(2026, 5, 18), holidays=holidays)
    assert data["weeks"] == [dt.date(2026, 5, 18) + dt.timedelta(weeks=i) for i in range(8)]
    assert data["capacity"] == [5, 4, 5, 5, 5, 5, 5, 5]
    assert data["rows"] == [
        {
            "person_id": member.pk,
            "person": "Mia Member",
            "load": [5, 2, 0, 0, 0, 0, 0, 5],
            "total": 12,
        },
        {"person_id": lead.pk, "person": "Lena Lead", "load": [2, 0, 0, 0, 0, 0, 0, 0], "total": 2},
    ]


def test_load_counts_from_today_in_the_current_week(delivery_world, lead, member):
    data = selectors.load_by_person_week(
        user=lead, today=dt.date(2026, 5, 21), holidays=frozenset(), weeks=2
    )
    assert data["capacity"] == [2, 5]
    assert [(r["person"], r["load"]) for r in data["rows"]] == [
        ("Mia Member", [2, 3]),  # 21-22 May, then 25-27 May with no holiday given
        ("Lena Lead", [1, 0]),
    ]


def test_baseline_variance_largest_slip_first(delivery_world, lead, django_assert_num_queries):
    # The forecast finish, not the plan: Alpha: Mon 1 June -> Fri 12 June is 9 working days
    # later (planned Thu 11 June would be 8); Beta: Fri 3 July -> Wed 1 July is 2 earlier. One query for the projects, one for the holidays (the lead's
    # roles, read once, are not counted).
    assert lead.has_role(Role.DELIVERY_LEAD)
    with django_assert_num_queries(2):
        rows, total = selectors.baseline_variance(user=lead)
    assert [(r["project"], r["variance_days"]) for r in rows] == [("Alpha", 9), ("Beta", -2)]
    assert [(r["planned_finish"], r["forecast_finish"]) for r in rows] == [
        (dt.date(2026, 6, 11), dt.date(2026, 6, 12)),
        (dt.date(2026, 7, 1), dt.date(2026, 7, 1)),
    ]
    assert total == 2


def test_baseline_variance_skips_holidays_like_the_plan(delivery_world, lead):
    Holiday.objects.create(date=dt.date(2026, 6, 4), name="Corpus Christi")
    rows, _ = selectors.baseline_variance(user=lead)
    assert [(r["project"], r["variance_days"]) for r in rows] == [("Alpha", 8), ("Beta", -2)]
    rows, total = selectors.baseline_variance(user=lead, limit=1)
    assert ([r["project"] for r in rows], total) == (["Alpha"], 2)


# Delivery demand ---------------------------------------------------------------------------


def test_template_working_days_match_the_projects_helper(db):
    standard = ProjectTemplate.objects.get(name="Standard delivery")
    days = selectors.template_working_days(set())
    assert days[standard.pk] == template_planned_working_days(standard) == STANDARD_DAYS


STANDARD_DAYS = 23


def test_default_template_is_standard_delivery_else_the_first_active(db):
    standard = ProjectTemplate.objects.get(name="Standard delivery")
    ProjectTemplate.objects.create(name="Another")
    assert selectors.default_template_q().get()["pk"] == standard.pk
    standard.is_active = False
    standard.save()
    assert (
        selectors.default_template_q().get()["pk"] == ProjectTemplate.objects.get(name="Another").pk
    )


def test_delivery_demand_weights_template_effort_against_capacity(demand_world):
    holidays = selectors.holidays_between(dt.date(2026, 5, 1), dt.date(2026, 10, 31))
    rows = selectors.delivery_demand(today=dt.date(2026, 5, 18), holidays=holidays)
    assert [
        (
            r["month"],
            r["deals"],
            r["weighted_deals"],
            r["demand_days"],
            r["working_days"],
            r["capacity_days"],
            r["utilisation"],
        )
        for r in rows
    ] == [
        # May: the lead whose close date passed, 10% of 23 days; 21 weekdays minus Whit Monday.
        (dt.date(2026, 5, 1), 1, D("0.10"), D("2.30"), 20, 40, D("0.0575")),
        # June: 50% of 23 days (default template) + 75% of 4 days (its handoff's template).
        (dt.date(2026, 6, 1), 2, D("1.25"), D("14.50"), 22, 44, D("0.3295")),
        (dt.date(2026, 7, 1), 0, D("0.00"), D("0.00"), 23, 46, D("0.0000")),
        (dt.date(2026, 8, 1), 0, D("0.00"), D("0.00"), 21, 42, D("0.0000")),
        (dt.date(2026, 9, 1), 0, D("0.00"), D("0.00"), 22, 44, D("0.0000")),
        (dt.date(2026, 10, 1), 0, D("0.00"), D("0.00"), 22, 44, D("0.0000")),
    ]
    assert {r["people"] for r in rows} == {2}


def finished_in(template, lead, spans):
    """A finished project of ``template`` per span: its first task from Monday 5 January
    2026 to the given day (the project's actual working days)."""
    first = template.tasks.order_by("position", "pk").first().title
    for last in spans:
        finished_project(template, lead, {first: (dt.date(2026, 1, 5), last)})


def test_delivery_demand_uses_actual_effort_where_the_template_has_history(
    demand_world, lead, django_assert_num_queries
):
    standard = ProjectTemplate.objects.get(name="Standard delivery")
    # Five finished projects of 10, 12, 14, 16 and 30 working days: the median is 14.
    finished_in(
        standard,
        lead,
        [dt.date(2026, 1, d) for d in (16, 20, 22, 26)] + [dt.date(2026, 2, 13)],
    )
    # Four of the small template, a day each: too few, its plan (4 days) still counts.
    finished_in(demand_world["small"], lead, [dt.date(2026, 1, 5)] * 4)
    with django_assert_num_queries(6):
        effort = selectors.template_effort_days({demand_world["small"].pk})
    assert (effort[standard.pk], effort[demand_world["small"].pk]) == (D(14), D(4))
    rows = selectors.delivery_demand(
        today=dt.date(2026, 5, 18), holidays=frozenset([dt.date(2026, 5, 25)]), months=2
    )
    assert [(r["month"], r["demand_days"], r["utilisation"]) for r in rows] == [
        # May: 10% of 14 days; June: 50% of 14 days + 75% of the small template's 4.
        (dt.date(2026, 5, 1), D("1.40"), D("0.0350")),
        (dt.date(2026, 6, 1), D("10.00"), D("0.2273")),
    ]


def test_delivery_demand_without_delivery_people_has_no_capacity(demand_world, lead, member):
    lead.groups.clear()
    member.groups.clear()
    rows = selectors.delivery_demand(today=dt.date(2026, 5, 18), holidays=frozenset(), months=1)
    assert (rows[0]["capacity_days"], rows[0]["utilisation"], rows[0]["demand_days"]) == (
        0,
        None,
        D("2.30"),
    )
