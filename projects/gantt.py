"""Geometry of the server-rendered SVG Gantt chart: bars, dependency arrows, day columns,
the baseline under each bar, and the lines of today and of the promised date.

Plain Python over the scheduler's stored output (planned dates, critical flags); the
template only draws what this computes, so there is no script and no inline style.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from accounts.formats import format_date, format_month_day
from projects.scheduling import WorkingCalendar

DAY = 22  # px per calendar day
ROW = 30  # px per task row
LABEL = 230  # px for task names at the left
HEADER = 44  # px for month and day labels
BAR = 16  # bar height
STUB = 8  # px an arrow leaves its bar before turning
BASELINE = 4  # height of the thin baseline bar under a task's bar
BAND = 18  # px above the rows for today's label, below them for the promise's
MARKER_REACH = 62  # days today or the promise may widen the chart beyond the tasks' dates
LABEL_CHAR = 8  # px per character of a 12 px label, to keep it inside the chart (7 clipped)
SLIP_ROOM = 3  # days of room after the last day for a "3 d late" label


@dataclass
class Bar:
    id: int
    title: str
    label: str
    url: str
    x: int
    y: int
    width: int
    critical: bool
    status: str
    milestone: bool
    points: str = ""  # the diamond of a milestone
    tooltip: str = ""
    start: date | None = None
    finish: date | None = None
    baseline: "BaselineBar | None" = None
    # The finish forecast from actuals (``Task.forecast_finish``), when there is one.
    forecast: date | None = None
    # Working days the forecast finish (else the planned finish) lies after the baseline
    # finish (negative: before): the task's variance, as on the task table.
    slip: int | None = None

    @property
    def expected(self) -> date | None:
        return self.forecast or self.finish

    @property
    def slipped(self) -> bool:
        return (
            self.baseline is not None
            and self.expected is not None
            and self.expected > (self.baseline.finish)
        )

    @property
    def slip_text(self) -> str:
        return f"{self.slip} d late" if self.slip else "late"

    @property
    def early_text(self) -> str:
        return f"{-self.slip} d early" if self.slip and self.slip < 0 else ""

    @property
    def slip_x(self) -> int:
        return self.x + self.width + STUB + 4

    @property
    def mid_y(self) -> int:
        return self.y + BAR // 2

    @property
    def label_y(self) -> int:
        return self.y + BAR - 3


@dataclass
class BaselineBar:
    x: int
    y: int
    width: int
    start: date
    finish: date


@dataclass
class Marker:
    """A dated vertical line across the rows (today, the promised date), with its label."""

    kind: str
    day: date
    label: str
    drawn: bool = False  # False when the day lies too far from the tasks' dates
    x: int = 0
    y1: int = 0
    y2: int = 0
    label_x: int = 0
    label_y: int = 0
    anchor: str = "start"


@dataclass
class Arrow:
    path: str
    critical: bool
    title: str


MONTH_LABEL_PX = 64  # room a "Nov 2026" label needs before the next one or the edge


def _month_label_fits(day: date, index: int, days: int) -> bool:
    """Label the first day of each month, and the chart's first day unless a month
    starts too soon after it; never where the label would run past the chart's end."""
    if (days - index) * DAY < MONTH_LABEL_PX:
        return False
    if day.day == 1:
        return True
    if index == 0:
        next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return (next_month - day).days * DAY >= MONTH_LABEL_PX
    return False


@dataclass
class Column:
    x: int
    day: date
    working: bool
    label: str = ""
    month: str = ""


@dataclass
class Gantt:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    label_width: int = LABEL
    header: int = HEADER
    chart_top: int = HEADER
    today: Marker | None = None
    promised: Marker | None = None

    @property
    def empty(self) -> bool:
        return not self.bars

    @property
    def markers(self) -> list[Marker]:
        return [m for m in (self.today, self.promised) if m and m.drawn]

    @property
    def has_baseline(self) -> bool:
        return any(bar.baseline for bar in self.bars)

    @property
    def slipped(self) -> list[Bar]:
        return [bar for bar in self.bars if bar.slipped]


def _short(title: str, limit: int = 30) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _marker(kind: str, day: date | None, label: str) -> Marker | None:
    return Marker(kind=kind, day=day, label=f"{label} {format_date(day)}") if day else None


def layout(
    tasks: Sequence[Any],
    links: Iterable[Any],
    *,
    holidays: Iterable[date] = (),
    url_for=lambda task: "",
    today: date | None = None,
    promised: date | None = None,
) -> Gantt:
    """``tasks`` need id, title, planned_start, planned_finish, duration_days, is_critical,
    status, and may have baseline_start, baseline_finish and forecast_finish (the variance
    is the forecast finish's, else the planned finish's, against the baseline finish);
    ``links`` need predecessor_id, successor_id, kind, lag_days. ``today`` and ``promised``
    are drawn as lines when they lie within ``MARKER_REACH`` days of the tasks' dates (the
    chart widens to show them)."""
    planned = [t for t in tasks if t.planned_start and t.planned_finish]
    markers = [
        m
        for m in (_marker("today", today, "Today"), _marker("promised", promised, "Promised"))
        if m
    ]
    if not planned:
        return Gantt(width=LABEL + 10 * DAY, height=HEADER + ROW)
    calendar = WorkingCalendar(holidays)
    baselines = [
        t
        for t in planned
        if getattr(t, "baseline_start", None) and getattr(t, "baseline_finish", None)
    ]
    origin = min([t.planned_start for t in planned] + [t.baseline_start for t in baselines])
    last = max([t.planned_finish for t in planned] + [t.baseline_finish for t in baselines])
    reach = timedelta(days=MARKER_REACH)
    for marker in markers:
        marker.drawn = origin - reach <= marker.day <= last + reach
    drawn = [m.day for m in markers if m.drawn]
    origin, last = min([origin, *drawn]), max([last, *drawn])
    slipping = any(_expected(t) > t.baseline_finish for t in baselines)
    end = last + timedelta(days=2 + (SLIP_ROOM if slipping else 0))
    days = (end - origin).days + 1
    by_kind = {m.kind: m for m in markers}
    top = HEADER + (BAND if "today" in by_kind and by_kind["today"].drawn else 0)
    rows_bottom = top + len(planned) * ROW + 8
    bottom_band = BAND if "promised" in by_kind and by_kind["promised"].drawn else 0
    gantt = Gantt(
        width=LABEL + days * DAY,
        height=rows_bottom + bottom_band,
        chart_top=top,
        today=by_kind.get("today"),
        promised=by_kind.get("promised"),
    )
    for i in range(days):
        day = origin + timedelta(days=i)
        working = calendar.is_working_day(day)
        gantt.columns.append(
            Column(
                x=LABEL + i * DAY,
                day=day,
                working=working,
                label=str(day.day) if day.weekday() == 0 or i == 0 else "",
                month=day.strftime("%b %Y") if _month_label_fits(day, i, days) else "",
            )
        )
    for marker in markers:
        if not marker.drawn:
            continue
        marker.x = LABEL + (marker.day - origin).days * DAY + DAY // 2
        marker.y1 = HEADER if marker.kind == "today" else top
        marker.y2 = rows_bottom if marker.kind == "today" else rows_bottom + BAND
        marker.label_y = HEADER + BAND - 5 if marker.kind == "today" else rows_bottom + BAND - 5
        if marker.x + 4 + len(marker.label) * LABEL_CHAR > gantt.width:
            marker.anchor, marker.label_x = "end", marker.x - 4
        else:
            marker.label_x = marker.x + 4
    rows: dict[int, Bar] = {}
    for row, task in enumerate(planned):
        x = LABEL + (task.planned_start - origin).days * DAY
        y = top + row * ROW + (ROW - BAR) // 2
        milestone = task.duration_days == 0
        width = ((task.planned_finish - task.planned_start).days + 1) * DAY - 4
        finish = f" to {format_month_day(task.planned_finish)}" if not milestone else ""
        bar = Bar(
            id=task.id,
            title=task.title,
            label=_short(task.title),
            url=url_for(task),
            x=x + 2,
            y=y,
            width=0 if milestone else width,
            critical=task.is_critical,
            status=task.status,
            milestone=milestone,
            start=task.planned_start,
            finish=task.planned_finish,
            forecast=getattr(task, "forecast_finish", None),
        )
        base_start = getattr(task, "baseline_start", None)
        base_finish = getattr(task, "baseline_finish", None)
        if base_start and base_finish:
            bar.baseline = BaselineBar(
                x=LABEL + (base_start - origin).days * DAY + 2,
                y=y + BAR + 2,
                width=((base_finish - base_start).days + 1) * DAY - 4,
                start=base_start,
                finish=base_finish,
            )
            bar.slip = calendar.working_days_variance(base_finish, _expected(task))
        if milestone:
            cx, cy, r = x + DAY // 2, y + BAR // 2, BAR // 2 + 1
            bar.points = f"{cx},{cy - r} {cx + r},{cy} {cx},{cy + r} {cx - r},{cy}"
            bar.x = cx - r
            bar.width = 2 * r
        forecast = ""
        if bar.forecast and bar.forecast != task.planned_finish:
            forecast = f" · forecast finish {format_month_day(bar.forecast)}"
        bar.tooltip = (
            f"{task.title}: {format_month_day(task.planned_start)}{finish}"
            + (" · critical" if task.is_critical else "")
            + forecast
            + _baseline_tip(bar)
        )
        rows[task.id] = bar
        gantt.bars.append(bar)
    for link in links:
        pred, succ = rows.get(link.predecessor_id), rows.get(link.successor_id)
        if pred is None or succ is None:
            continue
        from_end = link.kind in ("FS", "FF")
        to_start = link.kind in ("FS", "SS")
        fx = pred.x + pred.width if from_end else pred.x
        tx = succ.x if to_start else succ.x + succ.width
        turn = fx + STUB if from_end else fx - STUB
        fy, ty = pred.mid_y, succ.mid_y
        # Leave the bar, drop to the successor's row, run into the bar's edge.
        path = f"M{fx},{fy} H{turn} V{ty} H{tx}"
        lag = f" {link.lag_days:+d}d" if link.lag_days else ""
        gantt.arrows.append(
            Arrow(
                path=path,
                critical=pred.critical and succ.critical,
                title=f"{pred.title} → {succ.title} ({link.kind}{lag})",
            )
        )
    return gantt


def _expected(task: Any) -> date:
    return getattr(task, "forecast_finish", None) or task.planned_finish


def _baseline_tip(bar: Bar) -> str:
    if bar.baseline is None:
        return ""
    tip = (
        f" · baseline {format_month_day(bar.baseline.start)}"
        f" to {format_month_day(bar.baseline.finish)}"
    )
    if bar.slipped:
        return tip + f", {bar.slip_text} (working days)"
    if bar.early_text:
        return tip + f", {bar.early_text}"
    return tip
