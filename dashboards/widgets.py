"""Dashboard widgets: selector rows shaped as a table, a chart spec and a CSV export.

One builder per widget, so a dashboard runs every builder once and a CSV export runs only
the one asked for. Tables, charts and CSV files are made from the same rows: what the
chart shows, the table and the CSV say in numbers.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts import formats
from accounts.models import User
from dashboards import selectors
from dashboards.selectors import Period
from records.paging import EXACT_COUNT_LIMIT

# Cell kinds: how a value is shown in a table and written to CSV.
TEXT, INT, MONEY, RATE, DAYS, DATE, MONTH, WEEK, BOOL = (
    "text",
    "int",
    "money",
    "rate",
    "days",
    "date",
    "month",
    "week",
    "bool",
)
NUMERIC = {INT, MONEY, RATE, DAYS}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class Cell:
    text: str
    numeric: bool = False
    url: str | None = None
    css: str = ""
    label: str = ""

    def html(self, first: bool) -> str:
        """The cell as ``_table.html`` shows it: the row's first cell is its header."""
        inner = format_html('<a href="{}">{}</a>', self.url, self.text) if self.url else self.text
        if first:
            return format_html('<th scope="row" data-label="{}">{}</th>', self.label, inner)
        css = " ".join(
            c for c in ("num" if self.numeric else "", f"is-{self.css}" if self.css else "") if c
        )
        if css:
            return format_html('<td data-label="{}" class="{}">{}</td>', self.label, css, inner)
        return format_html('<td data-label="{}">{}</td>', self.label, inner)


def _row_html(cells: list[Cell]) -> str:
    return format_html(
        "<tr>{}</tr>", mark_safe("".join(cell.html(i == 0) for i, cell in enumerate(cells)))
    )


@dataclass
class Widget:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: dict[str, Any] | None = None
    note: str = ""
    footer: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    table_open: bool = False
    empty: str = "Nothing to show."
    more: tuple[str, str] | None = None  # (url, text): where the rest of the rows are

    @property
    def chart_id(self) -> str:
        return f"chart-{self.name}"

    def _cells(self, row: dict[str, Any]) -> list[Cell]:
        return [
            Cell(
                text=display(row.get(c.key), c.kind),
                numeric=c.kind in NUMERIC,
                url=row.get(f"{c.key}_url"),
                css=row.get(f"{c.key}_css", ""),
                label=c.label,
            )
            for c in self.columns
        ]

    @property
    def table(self) -> list[list[Cell]]:
        return [self._cells(row) for row in self.rows]

    @property
    def footer_cells(self) -> list[Cell] | None:
        return self._cells(self.footer) if self.footer else None

    @property
    def has_money(self) -> bool:
        return any(c.kind == MONEY for c in self.columns)

    @property
    def body_html(self) -> str:
        """The table's rows as HTML, built here: a few microseconds a cell where the template
        language took tens (the delivery dashboard renders hundreds of cells)."""
        return mark_safe("".join(_row_html(row) for row in self.table))

    @property
    def footer_html(self) -> str:
        cells = self.footer_cells
        if not cells:
            return ""
        for cell in cells:  # the footer marks no cell and links nowhere
            cell.css, cell.url = "", None
        return _row_html(cells)

    def csv_header(self) -> list[str]:
        """The column keys, and ``currency`` last when there are amounts (house CSV rule)."""
        return [c.key for c in self.columns] + (["currency"] if self.has_money else [])

    def csv_rows(self) -> Iterable[list[Any]]:
        rows = [*self.rows, *([self.footer] if self.footer else [])]
        currency = [settings.RELAY_CURRENCY] if self.has_money else []
        for row in rows:
            yield [raw(row.get(c.key), c.kind) for c in self.columns] + currency


def display(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == MONEY:  # totals and conversions: computed figures
        return formats.money_whole(value, settings.RELAY_CURRENCY)
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == MONTH:
        return dateformat.format(value, formats.YEAR_MONTH_FORMAT)
    if kind == WEEK:
        return dateformat.format(value, formats.MONTH_DAY_FORMAT)
    if kind == DATE:
        return formats.format_date(value)
    if kind == DAYS:
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if kind == INT:
        return f"{value:,}"
    if kind == BOOL:
        return "Yes" if value else "No"
    return str(value)


def raw(value: Any, kind: str) -> Any:
    """The CSV form (``accounts.formats``): plain numbers, amounts with two places, ISO
    dates, months as YYYY-MM."""
    if value is None:
        return ""
    if kind == MONEY:
        return formats.csv_money(value)
    if kind == MONTH:
        return f"{value:%Y-%m}"
    if kind in (DATE, WEEK):
        return value.isoformat()
    if kind == BOOL:
        return "yes" if value else "no"
    return value


def _num(value: Any) -> float:
    return float(value or 0)


def chart(
    kind: str,
    labels: list[str],
    datasets: list[dict[str, Any]],
    *,
    fmt: str = "number",
    horizontal: bool = False,
    stacked: bool = False,
) -> dict[str, Any]:
    """A chart spec for static/dashboards/charts.js (read through ``json_script``)."""
    return {
        "type": kind,
        "labels": labels,
        "datasets": [{**d, "data": [_num(v) for v in d["data"]]} for d in datasets],
        "format": fmt,
        "horizontal": horizontal,
        "stacked": stacked,
    }


def _money_title(title: str) -> str:
    return f"{title} ({settings.RELAY_CURRENCY})"


# Sales -------------------------------------------------------------------------------------

PERIODS = {
    "12m": "Last 12 months",
    "6m": "Last 6 months",
    "3m": "Last 3 months",
    "ytd": "This year",
    "last_year": "Last year",
}
DEFAULT_PERIOD = "12m"


def period_for(key: str, today: dt.date) -> Period:
    this_month = selectors.month_start(today)
    if key == "6m":
        return Period(selectors.add_months(this_month, -5), today)
    if key == "3m":
        return Period(selectors.add_months(this_month, -2), today)
    if key == "ytd":
        return Period(dt.date(today.year, 1, 1), today)
    if key == "last_year":
        return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    return Period(selectors.add_months(this_month, -11), today)


@dataclass
class SalesQuery:
    user: User
    now: dt.datetime
    owner_id: int | None = None
    period_key: str = DEFAULT_PERIOD

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self.user.zone

    @property
    def today(self) -> dt.date:
        return timezone.localtime(self.now, self.zone).date()

    @property
    def period(self) -> Period:
        return period_for(self.period_key, self.today)


def sales_pipeline(q: SalesQuery) -> Widget:
    rows = selectors.pipeline_by_stage(user=q.user, owner_id=q.owner_id)
    footer = {
        "label": "Open pipeline",
        "count": sum(r["count"] for r in rows),
        "total": sum((r["total"] for r in rows), Decimal("0.00")),
        "weighted": sum((r["weighted"] for r in rows), Decimal("0.00")),
    }
    for row in rows:
        row["label_url"] = (
            reverse("crm:deal-list")
            + f"?stage={row['stage']}"
            + (f"&owner={q.owner_id}" if q.owner_id else "")
        )
    return Widget(
        name="pipeline",
        title=_money_title("Pipeline by stage"),
        columns=[
            Column("label", "Stage"),
            Column("count", "Deals", INT),
            Column("total", "Total", MONEY),
            Column("weighted", "Weighted", MONEY),
        ],
        rows=rows,
        footer=footer,
        note="Open deals now; weighted = amount times the stage's probability.",
        chart=chart(
            "bar",
            [r["label"] for r in rows],
            [
                {"label": "Total", "data": [r["total"] for r in rows]},
                {"label": "Weighted", "data": [r["weighted"] for r in rows]},
            ],
            fmt="money",
        ),
    )


def sales_forecast(q: SalesQuery) -> Widget:
    rows = selectors.forecast_by_month(today=q.today, months=6, owner_id=q.owner_id)
    return Widget(
        name="forecast",
        title=_money_title("Weighted forecast by expected close"),
        columns=[
            Column("month", "Month", MONTH),
            Column("count", "Deals", INT),
            Column("total", "Total", MONEY),
            Column("weighted", "Weighted", MONEY),
        ],
        rows=rows,
        note="Open deals expected to close this month and the next five.",
        chart=chart(
            "bar",
            [display(r["month"], MONTH) for r in rows],
            [
                {"label": "Weighted", "data": [r["weighted"] for r in rows]},
                {"label": "Total", "data": [r["total"] for r in rows], "type": "line"},
            ],
            fmt="money",
        ),
    )


def sales_won(q: SalesQuery) -> Widget:
    rows = selectors.won_by_month(period=q.period, zone=q.zone, owner_id=q.owner_id)
    footer = {
        "month": None,
        "count": sum(r["count"] for r in rows),
        "revenue": sum((r["revenue"] for r in rows), Decimal("0.00")),
    }
    return Widget(
        name="won",
        title=_money_title("Won revenue by month"),
        columns=[
            Column("month", "Month", MONTH),
            Column("count", "Deals won", INT),
            Column("revenue", "Revenue", MONEY),
        ],
        rows=rows,
        footer=footer,
        chart=chart(
            "bar",
            [display(r["month"], MONTH) for r in rows],
            [{"label": "Revenue", "data": [r["revenue"] for r in rows]}],
            fmt="money",
        ),
    )


def sales_sources(q: SalesQuery) -> Widget:
    rows = selectors.source_funnel(period=q.period, zone=q.zone, owner_id=q.owner_id)
    won, lost = sum(r["won"] for r in rows), sum(r["lost"] for r in rows)
    footer = {
        "source": "All sources",
        "deals": sum(r["deals"] for r in rows),
        "won": won,
        "lost": lost,
        "won_amount": sum((r["won_amount"] for r in rows), Decimal("0.00")),
        "win_rate": selectors.rate(won, won + lost),
    }
    return Widget(
        name="sources",
        title="Lead sources: deals, won and revenue",
        columns=[
            Column("source", "Source"),
            Column("deals", "Deals", INT),
            Column("won", "Won", INT),
            Column("lost", "Lost", INT),
            Column("won_amount", "Revenue", MONEY),
            Column("win_rate", "Win rate", RATE),
        ],
        rows=rows,
        footer=footer,
        note="Deals created in the period. Win rate = won ÷ (won + lost).",
        chart=chart(
            "bar",
            [r["source"] for r in rows],
            [
                {"label": "Deals", "data": [r["deals"] for r in rows]},
                {"label": "Won", "data": [r["won"] for r in rows]},
            ],
        ),
        extra={"win_rate": footer["win_rate"]},
    )


def sales_cycle(q: SalesQuery) -> Widget:
    result = selectors.sales_cycle(period=q.period, zone=q.zone, owner_id=q.owner_id)
    return Widget(
        name="cycle",
        title="Average sales cycle",
        columns=[Column("won", "Deals won", INT), Column("average_days", "Average days", DAYS)],
        rows=[result],
        note="From a deal's creation to its win, for deals won in the period.",
        extra=result,
    )


def sales_follow_up(q: SalesQuery) -> Widget:
    rows = selectors.follow_up_by_owner(now=q.now, owner_id=q.owner_id)
    for row in rows:
        row["overdue_url"] = (
            reverse("crm:deal-list") + f"?owner={row['owner_id']}&overdue=on&stage=open"
        )
        row["compliance_css"] = _compliance_css(row["compliance"])
    footer = {"owner": "Team", **selectors.follow_up_totals(rows)}
    return Widget(
        name="follow_up",
        title="Follow-up compliance by owner",
        columns=[
            Column("owner", "Owner"),
            Column("open_deals", "Open deals", INT),
            Column("with_next_action", "With next action", INT),
            Column("overdue", "Overdue", INT),
            Column("compliance", "Compliance", RATE),
        ],
        rows=rows,
        footer=footer,
        note="Share of open deals with a next action that is not overdue.",
        chart=chart(
            "bar",
            [r["owner"] for r in rows],
            [
                {
                    "label": "Compliance",
                    "data": [(r["compliance"] or 0) * 100 for r in rows],
                }
            ],
            fmt="percent",
            horizontal=True,
        ),
        extra={"totals": footer},
    )


def _compliance_css(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value < Decimal("0.7"):
        return "bad"
    if value < Decimal("0.9"):
        return "warn"
    return "good"


STUCK_ROWS = 10  # the most overdue; the rest are a click away in the deal list


def sales_stuck(q: SalesQuery) -> Widget:
    deals, total = selectors.stuck_deals(now=q.now, owner_id=q.owner_id, limit=STUCK_ROWS)
    rows = [
        {
            "deal": deal.title,
            "deal_url": reverse("crm:deal-detail", args=[deal.pk]),
            "company": deal.company.name,
            "owner": deal.owner.display_name,
            "stage": deal.get_stage_display(),
            "amount": deal.amount_base,
            "next_action_due": deal.next_action_due_date,
            "next_action_due_css": "overdue" if deal.overdue else "",
            "days_in_stage": deal.days_in_stage,
            "days_in_stage_css": "overdue" if deal.stale else "",
            "why": _why_stuck(deal),
        }
        for deal in deals
    ]
    of = f"more than {EXACT_COUNT_LIMIT:,}" if total > EXACT_COUNT_LIMIT else f"{total:,}"
    shown = f"Showing {len(rows)} of {of}." if total > len(rows) else ""
    return Widget(
        name="stuck",
        title="Stuck deals",
        columns=[
            Column("deal", "Deal"),
            Column("company", "Company"),
            Column("owner", "Owner"),
            Column("stage", "Stage"),
            Column("amount", "Amount", MONEY),
            Column("next_action_due", "Next action due", DATE),
            Column("days_in_stage", "Days in stage", DAYS),
            Column("why", "Why"),
        ],
        rows=rows,
        note=(
            "Open deals with an overdue next action, or longer in their stage than its "
            f"limit. {shown}"
        ).strip(),
        extra={"total": total},
        more=(
            reverse("crm:deal-list")
            + "?"
            + urlencode(
                {"stage": "open", "stale": "on", "sort": "next_action_due_at"}
                | ({"owner": q.owner_id} if q.owner_id else {})
            ),
            f"All stuck deals ({of}) in the deal list",
        )
        if total > len(rows)
        else None,
    )


def _why_stuck(deal: Any) -> str:
    reasons = []
    if deal.overdue:
        reasons.append("next action overdue")
    if deal.stale:
        reasons.append("stale in stage")
    return ", ".join(reasons)


SALES_WIDGETS: dict[str, Callable[[SalesQuery], Widget]] = {
    "pipeline": sales_pipeline,
    "forecast": sales_forecast,
    "won": sales_won,
    "sources": sales_sources,
    "cycle": sales_cycle,
    "follow_up": sales_follow_up,
    "stuck": sales_stuck,
}


# Delivery ----------------------------------------------------------------------------------


@dataclass
class DeliveryQuery:
    user: User
    now: dt.datetime
    weeks: int = 8
    months: int = 6
    # Only the projects this user leads (a delivery lead's team on My work).
    lead_id: int | None = None
    _holidays: frozenset[dt.date] | None = None

    @property
    def today(self) -> dt.date:
        return timezone.localtime(self.now, self.user.zone).date()

    @property
    def holidays(self) -> frozenset[dt.date]:
        """Holidays of the load and demand windows, read once (one query)."""
        if self._holidays is None:
            first = min(selectors.week_starts(self.today, 1)[0], selectors.month_start(self.today))
            last = max(
                selectors.week_starts(self.today, self.weeks)[-1] + dt.timedelta(days=6),
                selectors.demand_window(self.today, self.months)[1],
            )
            self._holidays = selectors.holidays_between(first, last)
        return self._holidays

    @property
    def shows_demand(self) -> bool:
        return selectors.can_see_delivery_demand(self.user)


def _project_url(pk: int) -> str:
    return reverse("projects:project-detail", args=[pk])


def delivery_health(q: DeliveryQuery) -> Widget:
    counts = selectors.project_health(user=q.user)
    rows = [
        {"status": label, "count": counts[key]}
        for key, label in (
            ("open", "Open projects"),
            ("planning", "Planning"),
            ("active", "Active"),
            ("on_hold", "On hold"),
            ("at_risk", "At risk"),
        )
    ]
    return Widget(
        name="health",
        title="Projects",
        columns=[Column("status", "Projects"), Column("count", "Count", INT)],
        rows=rows,
        extra=counts,
    )


def delivery_at_risk(q: DeliveryQuery) -> Widget:
    projects, total = selectors.at_risk_projects(user=q.user)
    rows = [
        {
            "project": p.name,
            "project_url": _project_url(p.pk),
            "company": p.company.name if p.company else "",
            "lead": p.delivery_lead.display_name,
            "promised_date": p.promised_date,
            "planned_finish": p.planned_finish,
            "forecast_finish": p.forecast_finish,
            "forecast_finish_css": "overdue",
            "slip_days": p.slip_days,
        }
        for p in projects
    ]
    shown = f" Showing {len(rows)} of {total}." if total > len(rows) else ""
    return Widget(
        name="at_risk",
        title="At-risk projects",
        columns=[
            Column("project", "Project"),
            Column("company", "Customer"),
            Column("lead", "Lead"),
            Column("promised_date", "Promised", DATE),
            Column("planned_finish", "Planned finish", DATE),
            Column("forecast_finish", "Forecast finish", DATE),
            Column("slip_days", "Days late", DAYS),
        ],
        rows=rows,
        note="Open projects whose forecast finish (from the tasks' actual progress) passes the "
        "promised date; days late count from the promise to the forecast." + shown,
        extra={"total": total},
    )


def delivery_overdue(q: DeliveryQuery) -> Widget:
    rows = selectors.overdue_tasks_by_person(user=q.user, today=q.today)
    footer = {"person": "Everyone", "count": sum(r["count"] for r in rows)}
    return Widget(
        name="overdue",
        title="Overdue tasks by person",
        columns=[
            Column("person", "Person"),
            Column("count", "Overdue tasks", INT),
            Column("oldest", "Oldest planned finish", DATE),
            Column("days_late", "Days late (oldest)", DAYS),
        ],
        rows=rows,
        footer=footer,
        note="Open tasks of open projects planned to finish before today.",
        chart=chart(
            "bar",
            [r["person"] for r in rows],
            [{"label": "Overdue tasks", "data": [r["count"] for r in rows]}],
            horizontal=True,
        ),
    )


def delivery_approvals(q: DeliveryQuery) -> Widget:
    milestones, total = selectors.approvals_pending(user=q.user)
    rows = [
        {
            "milestone": m.name,
            "project": m.project.name,
            "project_url": _project_url(m.project_id),
            "approver": m.approver.display_name if m.approver else "",
            "due_date": m.due_date,
            "open_tasks": m.open_tasks,
            "ready": m.open_tasks == 0,
            "ready_css": "good" if m.open_tasks == 0 else "",
        }
        for m in milestones
    ]
    shown = f" Showing {len(rows)} of {total}." if total > len(rows) else ""
    return Widget(
        name="approvals",
        title="Approvals pending",
        columns=[
            Column("milestone", "Milestone"),
            Column("project", "Project"),
            Column("approver", "Approver"),
            Column("due_date", "Due", DATE),
            Column("open_tasks", "Open tasks", INT),
            Column("ready", "Ready to approve", BOOL),
        ],
        rows=rows,
        note="Milestones waiting for their approver; ready once their tasks are done." + shown,
        extra={"total": total},
    )


def delivery_load(q: DeliveryQuery) -> Widget:
    data = selectors.load_by_person_week(
        user=q.user, today=q.today, holidays=q.holidays, weeks=q.weeks, lead_id=q.lead_id
    )
    weeks, capacity = data["weeks"], data["capacity"]
    columns = [Column("person", "Person")] + [
        Column(f"w{i}", display(week, WEEK), DAYS) for i, week in enumerate(weeks)
    ]
    rows = []
    for row in data["rows"]:
        out: dict[str, Any] = {"person": row["person"]}
        for i, load in enumerate(row["load"]):
            out[f"w{i}"] = load
            out[f"w{i}_css"] = _load_css(load, capacity[i])
        rows.append(out)
    footer = {"person": "Working days per person"} | {
        f"w{i}": days for i, days in enumerate(capacity)
    }
    return Widget(
        name="load",
        title="Load per person per week",
        columns=columns,
        rows=rows,
        footer=footer,
        note=(
            "Working days of open assigned tasks in each week from today (weeks start on "
            "Monday). In the table, red = more than the week's working days, amber = full."
        ),
        table_open=True,
        chart=chart(
            "bar",
            [display(week, WEEK) for week in weeks],
            [{"label": row["person"], "data": row["load"]} for row in data["rows"]],
            fmt="days",
            stacked=True,
        ),
    )


def _load_css(load: int, capacity: int) -> str:
    if load > capacity:
        return "bad"
    if load and load == capacity:
        return "warn"
    return ""


def delivery_variance(q: DeliveryQuery) -> Widget:
    rows, total = selectors.baseline_variance(user=q.user)
    for row in rows:
        row["project_url"] = _project_url(row["project_id"])
        row["variance_days_css"] = "bad" if row["variance_days"] > 0 else ""
    shown = f" Showing the {len(rows)} largest of {total}." if total > len(rows) else ""
    moved = any(row["variance_days"] for row in rows)
    if not rows:
        note = ""
    elif not moved:
        note = "Every open project with a baseline is forecast to finish on its baseline finish."
    else:
        note = (
            "Working days from the finish planned at kickoff (the baseline) to the forecast "
            "finish (from the tasks' actual progress); positive = later." + shown
        )
    return Widget(
        name="variance",
        title="Baseline variance per project",
        columns=[
            Column("project", "Project"),
            Column("baseline_finish", "Baseline finish", DATE),
            Column("planned_finish", "Planned finish", DATE),
            Column("forecast_finish", "Forecast finish", DATE),
            Column("variance_days", "Variance (working days)", DAYS),
        ],
        rows=rows,
        note=note,
        empty=(
            "No open project has a baseline yet, so there is no variance to chart: a project "
            "keeps its plan at kickoff, or when its lead keeps the current plan as baseline."
        ),
        chart=chart(
            "bar",
            [r["project"] for r in rows],
            [{"label": "Variance (working days)", "data": [r["variance_days"] for r in rows]}],
            fmt="days",
            horizontal=True,
        )
        if moved
        else None,
    )


def _load_css_rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value > 1:
        return "bad"
    return "warn" if value > Decimal("0.8") else ""


def delivery_demand(q: DeliveryQuery) -> Widget:
    rows = selectors.delivery_demand(today=q.today, holidays=q.holidays, months=q.months)
    for row in rows:
        row["utilisation_css"] = _load_css_rate(row["utilisation"])
    return Widget(
        name="demand",
        title="Expected delivery demand",
        columns=[
            Column("month", "Expected start", MONTH),
            Column("deals", "Open deals", INT),
            Column("weighted_deals", "Weighted deals", DAYS),
            Column("demand_days", "Demand (days)", DAYS),
            Column("capacity_days", "Capacity (days)", INT),
            Column("utilisation", "Demand ÷ capacity", RATE),
        ],
        rows=rows,
        note=(
            "Open deals by expected close month, each weighted by its probability times its "
            "template's planned working days; capacity = active delivery people times working days."
        ),
        chart=chart(
            "bar",
            [display(r["month"], MONTH) for r in rows],
            [
                {"label": "Demand (days)", "data": [r["demand_days"] for r in rows]},
                {
                    "label": "Capacity (days)",
                    "data": [r["capacity_days"] for r in rows],
                    "type": "line",
                },
            ],
            fmt="days",
        ),
    )


DELIVERY_WIDGETS: dict[str, Callable[[DeliveryQuery], Widget]] = {
    "health": delivery_health,
    "at_risk": delivery_at_risk,
    "overdue": delivery_overdue,
    "approvals": delivery_approvals,
    "load": delivery_load,
    "variance": delivery_variance,
    "demand": delivery_demand,
}


def delivery_widget_names(q: DeliveryQuery) -> list[str]:
    return [name for name in DELIVERY_WIDGETS if name != "demand" or q.shows_demand]
