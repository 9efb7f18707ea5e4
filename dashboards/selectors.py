"""Read-only reports over crm, projects and handoff: one grouped query per widget.

Every function here issues a fixed number of queries whatever the amount of data
(usually one), groups and sums in the database, and returns plain rows (dicts) that
the dashboards, their CSV exports and the API reports all share.

Months are the calendar months of the acting user's time zone; money is ``Decimal``
rounded to cents, in the installation currency (``crm.models.installation_currency``): sums
of the deals' base amounts, each deal converted at its own rate; a rate is a ``Decimal``
fraction between 0 and 1, or ``None`` when there is nothing to divide by.
"""

import bisect
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import rules
from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone

from accounts.models import User
from accounts.roles import DELIVERY_ROLES
from crm import selectors as crm_selectors
from crm.models import (
    OPEN_STAGES,
    Deal,
    DealQuerySet,
    DealTotal,
    Stage,
    StageChange,
    close_key,
    stale_limits,
)
from projects import scheduling
from projects.models import (
    OPEN_PROJECT_STATUSES,
    Holiday,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
)
from projects.selectors import (
    project_visible_q,
    template_histories,
    templates_working_days,
    working_calendar,
)
from records.paging import count_up_to

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=18, decimal_places=2)
DEFAULT_TEMPLATE_NAME = "Standard delivery"
NO_SOURCE = "No source"
UNASSIGNED = "Unassigned"


def can_see_sales_dashboard(user: User) -> bool:
    return rules.has_perm("dashboards.view_sales", user)


def can_see_team(user: User) -> bool:
    """A sales manager's team figures on My work (``team_home``)."""
    return rules.has_perm("dashboards.view_team", user)


def can_see_delivery_dashboard(user: User) -> bool:
    return rules.has_perm("dashboards.view_delivery", user)


def can_see_delivery_demand(user: User) -> bool:
    return rules.has_perm("dashboards.view_delivery_demand", user)


# Calendar helpers ----------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, count: int) -> list[dt.date]:
    return [add_months(first, i) for i in range(count)]


def months_between(since: dt.date, until: dt.date) -> list[dt.date]:
    """The first days of every month from ``since``'s month to ``until``'s, inclusive."""
    first, last = month_start(since), month_start(until)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return month_range(first, max(count, 0))


def start_of_day(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def _as_date(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a fraction with four places, or None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def _weighted_sum() -> Sum:
    return Sum(F("amount_base") * F("probability") / Decimal(100), output_field=MONEY)


@dataclass(frozen=True)
class Period:
    """A span of whole days, ``since`` and ``until`` included."""

    since: dt.date | None
    until: dt.date | None

    def datetime_q(self, field: str, zone: zoneinfo.ZoneInfo) -> Q:
        q = Q()
        if self.since is not None:
            q &= Q(**{f"{field}__gte": start_of_day(self.since, zone)})
        if self.until is not None:
            q &= Q(**{f"{field}__lt": start_of_day(self.until + dt.timedelta(days=1), zone)})
        return q


def _sales_deals(owner_id: int | None) -> DealQuerySet:
    qs = Deal.objects.all()
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs


# Sales -------------------------------------------------------------------------------------


def pipeline_by_stage(*, user: User, owner_id: int | None = None) -> list[dict[str, Any]]:
    """Open stages in order: count, total and weighted total (one grouped query)."""
    totals = crm_selectors.pipeline_totals(user=user, owner_id=owner_id)
    return [
        {"stage": stage.value, "label": stage.label, **totals[stage]}
        for stage in Stage
        if stage not in (Stage.WON, Stage.LOST)
    ]


def forecast_by_month(
    *, today: dt.date, months: int = 6, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """Open deals by month of expected close, this month and the next ``months - 1``."""
    first = month_start(today)
    window = month_range(first, months)
    found: dict[dt.date | None, Any]
    if connection.vendor == "postgresql":  # the running totals, by month of expected close
        totals = DealTotal.objects.filter(
            stage__in=OPEN_STAGES,
            close_key__gte=close_key(first),
            close_key__lt=close_key(add_months(first, months)),
        )
        if owner_id:
            totals = totals.filter(owner_id=owner_id)
        found = {
            dt.date(row["close_key"] // 12, row["close_key"] % 12 + 1, 1): row
            for row in totals.order_by()
            .values("close_key")
            .annotate(count=Sum("count"), total=Sum("amount"), weighted=Sum("weighted"))
        }
    else:
        rows = (
            _sales_deals(owner_id)
            .open()
            .filter(
                expected_close_date__gte=first, expected_close_date__lt=add_months(first, months)
            )
            .annotate(month=TruncMonth("expected_close_date", output_field=DateField()))
            .order_by()
            .values("month")
            .annotate(count=Count("pk"), total=Sum("amount_base"), weighted=_weighted_sum())
        )
        found = {_as_date(row["month"]): row for row in rows}
    return [
        {
            "month": month,
            "count": found[month]["count"] if month in found else 0,
            "total": _money(found[month]["total"] if month in found else 0),
            "weighted": _money(found[month]["weighted"] if month in found else 0),
        }
        for month in window
    ]


def won_by_month(
    *, period: Period, zone: zoneinfo.ZoneInfo, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """Won deals and their revenue by month of winning, every month of ``period``."""
    assert period.since is not None and period.until is not None
    rows = (
        _sales_deals(owner_id)
        .filter(stage=Stage.WON)
        .filter(period.datetime_q("won_at", zone))
        .annotate(month=TruncMonth("won_at", tzinfo=zone))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"), revenue=Sum("amount_base"))
    )
    found = {_as_date(row["month"]): row for row in rows}
    return [
        {
            "month": month,
            "count": found[month]["count"] if month in found else 0,
            "revenue": _money(found[month]["revenue"] if month in found else 0),
        }
        for month in months_between(period.since, period.until)
    ]


def source_funnel(
    *, period: Period, zone: zoneinfo.ZoneInfo, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """Per lead source, the deals created in ``period``: how many, won, lost, won revenue.

    The win rate is won / (won + lost): deals still open have not been decided yet.
    Deals without a source come last, as "No source".
    """
    rows = (
        _sales_deals(owner_id)
        .filter(period.datetime_q("created_at", zone))
        .order_by()
        .values("source_id", "source__name")
        .annotate(
            deals=Count("pk"),
            won=Count("pk", filter=Q(stage=Stage.WON)),
            lost=Count("pk", filter=Q(stage=Stage.LOST)),
            won_amount=Sum("amount_base", filter=Q(stage=Stage.WON)),
        )
        .order_by(F("source__name").asc(nulls_last=True))
    )
    return [
        {
            "source_id": row["source_id"],
            "source": row["source__name"] or NO_SOURCE,
            "deals": row["deals"],
            "won": row["won"],
            "lost": row["lost"],
            "won_amount": _money(row["won_amount"]),
            "win_rate": rate(row["won"], row["won"] + row["lost"]),
        }
        for row in rows
    ]


def sales_cycle(
    *, period: Period, zone: zoneinfo.ZoneInfo, owner_id: int | None = None
) -> dict[str, Any]:
    """Deals won in ``period`` and their average days from creation to winning."""
    result = (
        _sales_deals(owner_id)
        .filter(stage=Stage.WON, won_at__isnull=False)
        .filter(period.datetime_q("won_at", zone))
        .aggregate(
            won=Count("pk"),
            average=Avg(
                ExpressionWrapper(F("won_at") - F("created_at"), output_field=DurationField())
            ),
        )
    )
    average: dt.timedelta | None = result["average"]
    days = None
    if average is not None:
        days = (Decimal(average.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"))
    return {"won": result["won"], "average_days": days}


def follow_up_by_owner(*, now: dt.datetime, owner_id: int | None = None) -> list[dict[str, Any]]:
    """Per owner of open deals: how many have a next action, how many are overdue.

    Compliance is the share of open deals whose next action exists and is not overdue.
    Least compliant owners first. Every open deal has a next action and its due moment
    (the database's crm_open_deal_has_next_action constraint). Two grouped queries: the
    open deals per owner (on PostgreSQL from the running ``DealTotal`` rows) and the
    overdue ones (the partial index on open deals' owner and due moment).
    """
    owners = ("owner_id", "owner__username", "owner__full_name")
    rows: Any
    if connection.vendor == "postgresql":
        totals = DealTotal.objects.filter(stage__in=OPEN_STAGES)
        if owner_id:
            totals = totals.filter(owner_id=owner_id)
        rows = totals.order_by().values(*owners).annotate(open_deals=Sum("count"))
    else:
        rows = _sales_deals(owner_id).open().order_by().values(*owners)
        rows = rows.annotate(open_deals=Count("pk"))
    overdue = dict(
        _sales_deals(owner_id)
        .overdue(now)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    out = [
        {
            "owner_id": row["owner_id"],
            "owner": row["owner__full_name"] or row["owner__username"],
            **_compliance(row["open_deals"], row["open_deals"], overdue.get(row["owner_id"], 0)),
        }
        for row in rows
        if row["open_deals"]
    ]
    return sorted(out, key=lambda r: (r["compliance"], r["owner"].lower()))


def _compliance(open_deals: int, with_next_action: int, overdue: int) -> dict[str, Any]:
    return {
        "open_deals": open_deals,
        "with_next_action": with_next_action,
        "overdue": overdue,
        "compliance": rate(with_next_action - overdue, open_deals),
    }


def follow_up_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole team's figures, summed from ``follow_up_by_owner`` rows."""
    return _compliance(
        sum(r["open_deals"] for r in rows),
        sum(r["with_next_action"] for r in rows),
        sum(r["overdue"] for r in rows),
    )


def stuck_deals(
    *, now: dt.datetime, owner_id: int | None = None, limit: int = 50
) -> tuple[list[Any], int]:
    """Stale deals (``DealQuerySet.stale``: an overdue next action, or longer in the stage
    than its limit), each marked why; most overdue first. The total is counted up to
    ``EXACT_COUNT_LIMIT`` + 1 (``count_up_to``)."""
    limits = stale_limits()
    stale = _sales_deals(owner_id).stale(now, limits)
    total = count_up_to(stale)
    deals = list(
        stale.with_staleness(now, limits)
        .select_related("company", "owner")
        .order_by(F("next_action_due_at").asc(nulls_last=True), "stage_entered_at", "pk")[:limit]
    )
    for deal in deals:
        deal.days_in_stage = (now - deal.stage_entered_at).days  # type: ignore[attr-defined]
    return deals, total


# Delivery ----------------------------------------------------------------------------------


def _project_scope_q(user: User, prefix: str = "") -> Q:
    """The projects the user may open (``project_visible_q``), and no others: a sales
    manager sees the kickoff projects of won deals, not internal ones."""
    return project_visible_q(user, prefix)


def _open_projects(user: User) -> QuerySet[Project]:
    return Project.objects.filter(_project_scope_q(user), status__in=OPEN_PROJECT_STATUSES)


def project_health(*, user: User) -> dict[str, int]:
    """Open projects by status, and how many of them are at risk (one aggregate)."""
    return Project.objects.filter(_project_scope_q(user)).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_PROJECT_STATUSES)),
        planning=Count("pk", filter=Q(status=ProjectStatus.PLANNING)),
        active=Count("pk", filter=Q(status=ProjectStatus.ACTIVE)),
        on_hold=Count("pk", filter=Q(status=ProjectStatus.ON_HOLD)),
        at_risk=Count("pk", filter=Q(status__in=OPEN_PROJECT_STATUSES, at_risk=True)),
    )


def at_risk_projects(*, user: User, limit: int = 50) -> tuple[list[Any], int]:
    """Open projects whose forecast finish passes the promised date, latest slip first."""
    qs = (
        _open_projects(user)
        .filter(at_risk=True)
        .select_related("delivery_lead", "company")
        .annotate(
            slip=ExpressionWrapper(
                F("forecast_finish") - F("promised_date"), output_field=DurationField()
            ),
            total=Window(Count("pk")),
        )
        .order_by(F("slip").desc(nulls_last=True), "name", "pk")
    )
    projects = list(qs[:limit])
    for project in projects:
        project.slip_days = project.slip.days if project.slip is not None else None  # type: ignore[attr-defined]
    return projects, (projects[0].total if projects else 0)


def overdue_tasks_by_person(*, user: User, today: dt.date) -> list[dict[str, Any]]:
    """Open tasks of open projects planned to finish before ``today``, per assignee."""
    rows = (
        Task.objects.filter(_project_scope_q(user, "project__"))
        .overdue(today)
        .order_by()
        .values("assignee_id", "assignee__username", "assignee__full_name")
        .annotate(count=Count("pk"), oldest=Min("planned_finish"))
    )
    out = [
        {
            "person_id": row["assignee_id"],
            "person": (
                (row["assignee__full_name"] or row["assignee__username"])
                if row["assignee_id"]
                else UNASSIGNED
            ),
            "count": row["count"],
            "oldest": row["oldest"],
            "days_late": (today - row["oldest"]).days,
        }
        for row in rows
    ]
    return sorted(out, key=lambda r: (-r["count"], r["person"].lower()))


def approvals_pending(*, user: User, limit: int = 50) -> tuple[list[Any], int]:
    """Milestones of open projects waiting for their approver, soonest due first."""
    open_tasks = (
        Task.objects.filter(milestone=OuterRef("pk"))
        .exclude(status=TaskStatus.DONE)
        .order_by()
        .values("milestone")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        Milestone.objects.filter(_project_scope_q(user, "project__"))
        .filter(
            project__status__in=OPEN_PROJECT_STATUSES,
            requires_approval=True,
            approved_at__isnull=True,
        )
        .select_related("project", "approver")
        .annotate(
            open_tasks=Coalesce(Subquery(open_tasks, output_field=IntegerField()), Value(0)),
            total=Window(Count("pk")),
        )
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )
    milestones = list(qs[:limit])
    return milestones, (milestones[0].total if milestones else 0)


def holidays_between(first: dt.date, last: dt.date) -> frozenset[dt.date]:
    return frozenset(
        Holiday.objects.filter(date__gte=first, date__lte=last).values_list("date", flat=True)
    )


def week_starts(today: dt.date, weeks: int = 8) -> list[dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return [monday + dt.timedelta(weeks=i) for i in range(weeks)]


def load_by_person_week(
    *,
    user: User,
    today: dt.date,
    holidays: frozenset[dt.date],
    weeks: int = 8,
    lead_id: int | None = None,
) -> dict[str, Any]:
    """Working days of open assigned tasks per person and week, from today for ``weeks``
    weeks (this week first). A task loads its assignee on every working day between its
    planned start and finish; milestones (0 days) load nobody.

    One grouped query (the tasks by person and span within the window), summed into
    working days and weeks here.
    ``lead_id`` keeps the projects that user leads (a delivery lead's team on My work).
    """
    calendar = scheduling.WorkingCalendar(holidays)
    mondays = week_starts(today, weeks)
    days_by_week = [
        [
            day
            for day in (monday + dt.timedelta(days=i) for i in range(5))
            if day >= today and calendar.is_working_day(day)
        ]
        for monday in mondays
    ]
    capacity = [len(days) for days in days_by_week]
    all_days = [day for days in days_by_week for day in days]
    if not all_days:
        return {"weeks": mondays, "capacity": capacity, "rows": []}
    first, last = all_days[0], all_days[-1]
    tasks = Task.objects.filter(_project_scope_q(user, "project__"))
    if lead_id:
        tasks = tasks.filter(project__delivery_lead_id=lead_id)
    # Each person's tasks grouped by their span clipped to the window: far fewer rows than
    # tasks, and a query that compiles and runs in a fraction of a count per day.
    rows = (
        tasks.filter(
            project__status__in=OPEN_PROJECT_STATUSES,
            assignee__isnull=False,
            duration_days__gt=0,
            planned_start__lte=last,
            planned_finish__gte=first,
        )
        .exclude(status=TaskStatus.DONE)
        .order_by()
        .annotate(
            start=Greatest("planned_start", Value(first, output_field=DateField())),
            finish=Least("planned_finish", Value(last, output_field=DateField())),
        )
        .values("assignee_id", "assignee__username", "assignee__full_name", "start", "finish")
        .annotate(n=Count("pk"))
    )
    week_of = [i for i, days in enumerate(days_by_week) for _ in days]
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        person = people.setdefault(
            row["assignee_id"],
            {
                "person_id": row["assignee_id"],
                "person": row["assignee__full_name"] or row["assignee__username"],
                "load": [0] * len(mondays),
            },
        )
        # The working days of the window from the span's start to its finish.
        since = bisect.bisect_left(all_days, row["start"])
        until = bisect.bisect_right(all_days, row["finish"])
        for i in range(since, until):
            person["load"][week_of[i]] += row["n"]
    out: list[dict[str, Any]] = [
        {**person, "total": sum(person["load"])} for person in people.values()
    ]
    out.sort(key=lambda r: (-r["total"], r["person"].lower()))
    return {"weeks": mondays, "capacity": capacity, "rows": out}


def baseline_variance(*, user: User, limit: int = 25) -> tuple[list[dict[str, Any]], int]:
    """Open projects with a baseline: the working days their forecast finish (from the
    tasks' actuals, ``Project.forecast_finish``) lies after the baseline finish (negative =
    earlier than planned at kickoff), largest slip first; the planned finish beside it.

    Two queries (the projects' dates, the holidays since the earliest); working days are
    counted by the projects' calendar, so the slip shown here is the one on the Gantt.
    """
    baselined = _open_projects(user).filter(
        baseline_finish__isnull=False, forecast_finish__isnull=False
    )
    projects = list(
        baselined.values_list(
            "pk", "name", "baseline_finish", "planned_finish", "forecast_finish", "at_risk"
        )
    )
    first = baselined.annotate(first=Least("baseline_finish", "forecast_finish")).order_by("first")
    calendar = working_calendar(since=Subquery(first.values("first")[:1]))
    rows: list[dict[str, Any]] = []
    for pk, name, baseline, planned, forecast, at_risk in projects:
        assert baseline is not None and forecast is not None  # filtered above
        rows.append(
            {
                "project_id": pk,
                "project": name,
                "baseline_finish": baseline,
                "planned_finish": planned,
                "forecast_finish": forecast,
                "variance_days": calendar.working_days_variance(baseline, forecast),
                "at_risk": at_risk,
            }
        )
    rows.sort(key=lambda r: (-r["variance_days"], r["project"].lower(), r["project_id"]))
    return rows[:limit], len(rows)


# My work (the homes) -----------------------------------------------------------------------

HOME_ROWS = 10


def stuck_by_owner(
    *, now: dt.datetime, limits: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """Per owner of stale deals (``DealQuerySet.stale``): how many are stale and how many
    of those have an overdue next action (``DealQuerySet.overdue``'s meaning), most first.
    Two queries, after the stale limits unless given: the counts by owner, which
    PostgreSQL reads from an index alone (``crm_deal_open_owner_stale``; joining the
    owners' names first would read every deal), then the owners."""
    # (counted by a column of the index: every open deal has a stage)
    counts = list(
        Deal.objects.stale(now, stale_limits() if limits is None else limits)
        .order_by()
        .values("owner_id")
        .annotate(
            stuck=Count("stage"), overdue=Count("stage", filter=Q(next_action_due_at__lt=now))
        )
    )
    owners = {u.pk: u for u in User.objects.filter(pk__in=[row["owner_id"] for row in counts])}
    out = [
        {
            "owner_id": row["owner_id"],
            "owner": owners[row["owner_id"]].display_name,
            "stuck": row["stuck"],
            "overdue": row["overdue"],
        }
        for row in counts
    ]
    return sorted(out, key=lambda r: (-r["overdue"], -r["stuck"], r["owner"].lower()))


def forecast_against_target(
    *, today: dt.date, zone: zoneinfo.ZoneInfo, target: Decimal
) -> dict[str, Any]:
    """This calendar month's forecast against ``target``: revenue won so far
    (``won_by_month``) plus the weighted open deals expected to close this month
    (``forecast_by_month``); ``share`` = forecast / target (None without a target).
    Two queries."""
    month = month_start(today)
    won = won_by_month(period=Period(month, today), zone=zone)[0]
    open_deals = forecast_by_month(today=today, months=1)[0]
    forecast = won["revenue"] + open_deals["weighted"]
    target = _money(target)
    return {
        "month": month,
        "won": won["revenue"],
        "won_count": won["count"],
        "weighted": open_deals["weighted"],
        "open_count": open_deals["count"],
        "forecast": forecast,
        "target": target,
        "gap": (target - forecast) if target else None,
        "share": (forecast / target).quantize(Decimal("0.0001")) if target else None,
    }


def team_home(
    *, now: dt.datetime, zone: zoneinfo.ZoneInfo, limits: dict[str, int] | None = None
) -> dict[str, Any]:
    """A sales manager's team on My work: stale and overdue deals by owner, this month's
    forecast against the target (``RELAY_MONTHLY_SALES_TARGET``), the deals that moved
    stage this week. Seven queries, and the stale limits unless given."""
    today = timezone.localtime(now, zone).date()
    owners = stuck_by_owner(now=now, limits=limits)
    moved, moved_total = moved_this_week(now=now, zone=zone)
    return {
        "owners": owners,
        "overdue": sum(r["overdue"] for r in owners),
        "stuck": sum(r["stuck"] for r in owners),
        "forecast": forecast_against_target(
            today=today, zone=zone, target=settings.RELAY_MONTHLY_SALES_TARGET
        ),
        "moved": moved,
        "moved_total": moved_total,
        "currency": settings.RELAY_CURRENCY,
    }


@dataclass
class DealMoves:
    """One deal's stage changes this week, told as one move: from where it stood on Monday
    (its first change's ``from_stage``) to where it stands (its last change's ``to_stage``)."""

    deal: Deal
    from_stage: str
    to_stage: str
    at: dt.datetime  # the last change
    by: User
    moves: int

    @property
    def from_label(self) -> str:
        return Stage(self.from_stage).label

    @property
    def to_label(self) -> str:
        return Stage(self.to_stage).label


def moved_this_week(
    *, now: dt.datetime, zone: zoneinfo.ZoneInfo, limit: int = HOME_ROWS
) -> tuple[list[DealMoves], int]:
    """The deals that changed stage since Monday 00:00 in ``zone``, one row per deal,
    latest move first, and how many deals moved in all. Three queries: the deals by their
    latest move, their count, the week's changes of the ones listed."""
    today = timezone.localtime(now, zone).date()
    monday = start_of_day(today - dt.timedelta(days=today.weekday()), zone)
    week = StageChange.objects.filter(at__gte=monday, at__lte=now)
    latest = list(
        week.order_by()
        .values("deal_id")
        .annotate(last=Max("at"))
        .order_by("-last", "-deal_id")
        .values_list("deal_id", flat=True)[:limit]
    )
    total = week.order_by().values("deal_id").distinct().count()
    changes: dict[int, list[StageChange]] = {}
    for change in (
        week.filter(deal_id__in=latest)
        .select_related("deal", "deal__company", "deal__owner", "by")
        .order_by("at", "pk")
    ):
        changes.setdefault(change.deal_id, []).append(change)
    rows = [
        DealMoves(
            deal=changes[pk][-1].deal,
            from_stage=changes[pk][0].from_stage,
            to_stage=changes[pk][-1].to_stage,
            at=changes[pk][-1].at,
            by=changes[pk][-1].by,
            moves=len(changes[pk]),
        )
        for pk in latest
    ]
    return rows, total


# Delivery demand ---------------------------------------------------------------------------


def default_template_q() -> QuerySet[Any, Any]:
    """The default template: the active one named "Standard delivery", else the first active
    one by name (a one-row queryset, usable as a subquery)."""
    return (
        ProjectTemplate.objects.filter(is_active=True)
        .annotate(
            preferred=Case(
                When(name=DEFAULT_TEMPLATE_NAME, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("preferred", "name", "pk")
        .values("pk")[:1]
    )


def template_working_days(template_ids: set[int]) -> dict[int, int]:
    """Planned working days of the active templates and of ``template_ids``."""
    return templates_working_days(Q(template__is_active=True) | Q(template_id__in=template_ids))


def template_effort_days(template_ids: set[int]) -> dict[int, Decimal]:
    """Working days a project of each template takes: where the template has enough
    finished projects (``MIN_FINISHED_PROJECTS``), the median of their actual working days
    (first actual start to last actual finish), else the planned working days
    (``template_working_days``). Six queries, however many templates."""
    planned = template_working_days(template_ids)
    histories = template_histories(planned)
    effort = {template_id: Decimal(days) for template_id, days in planned.items()}
    for template_id, history in histories.items():
        if history.enough and history.median_project_days is not None:
            effort[template_id] = Decimal(str(history.median_project_days))
    return effort


def delivery_headcount() -> int:
    """Active users with a delivery role (lead or member)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=list(DELIVERY_ROLES))
        .distinct()
        .count()
    )


def demand_window(today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """First and last day of the months the demand report covers."""
    first = month_start(today)
    return first, add_months(first, months) - dt.timedelta(days=1)


def delivery_demand(
    *, today: dt.date, holidays: frozenset[dt.date], months: int = 6
) -> list[dict[str, Any]]:
    """Expected delivery work by month against capacity, from this month for ``months``.

    Each open deal with an expected close date brings its probability times its template's
    working days (``template_effort_days``: actual where known, else planned; the template
    of its handoff draft, else the default template),
    in the month of its expected close, taken as its expected start; a deal whose expected
    close has passed counts in this month. Capacity is the number of active delivery people
    times the month's working days (Monday to Friday, minus holidays).
    """
    first, last = demand_window(today, months)
    rows = list(
        Deal.objects.open()
        .filter(expected_close_date__isnull=False, expected_close_date__lte=last)
        .annotate(
            start_month=Case(
                When(expected_close_date__lt=first, then=Value(first)),
                default=TruncMonth("expected_close_date", output_field=DateField()),
                output_field=DateField(),
            ),
            template_id=Coalesce(
                "handoff__template_id",
                Subquery(default_template_q(), output_field=IntegerField()),
            ),
        )
        .order_by()
        .values("start_month", "template_id")
        .annotate(deals=Count("pk"), weight=Sum("probability"))
    )
    days = template_effort_days({row["template_id"] for row in rows if row["template_id"]})
    people = delivery_headcount()
    calendar = scheduling.WorkingCalendar(holidays)
    out = []
    for month in month_range(first, months):
        in_month = [row for row in rows if _as_date(row["start_month"]) == month]
        demand = sum(
            (Decimal(row["weight"]) / 100 * days.get(row["template_id"], 0) for row in in_month),
            Decimal(0),
        )
        working_days = calendar.working_days_between(month, add_months(month, 1) - dt.timedelta(1))
        capacity = people * working_days
        out.append(
            {
                "month": month,
                "deals": sum(row["deals"] for row in in_month),
                "weighted_deals": sum(
                    (Decimal(row["weight"]) / 100 for row in in_month), Decimal(0)
                ).quantize(CENT),
                "demand_days": demand.quantize(CENT),
                "people": people,
                "working_days": working_days,
                "capacity_days": capacity,
                "utilisation": rate_decimal(demand, capacity),
            }
        )
    return out


def rate_decimal(part: Decimal, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (part / Decimal(whole)).quantize(Decimal("0.0001"))
