"""Geometry of the server-rendered SVG Gantt chart: bars, dependency arrows, day columns.

Plain Python over the scheduler's stored output (planned dates, critical flags); the
template only draws what this computes, so there is no script and no inline style.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from accounts.formats import format_month_day

DAY = 22  # px per calendar day
ROW = 30  # px per task row
LABEL = 230  # px for task names at the left
HEADER = 44  # px for month and day labels
BAR = 16  # bar height
STUB = 8  # px an arrow leaves its bar before turning


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

    @property
    def mid_y(self) -> int:
        return self.y + BAR // 2

    @property
    def label_y(self) -> int:
        return self.y + BAR - 3


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

    @property
    def empty(self) -> bool:
        return not self.bars


def _short(title: str, limit: int = 30) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def layout(
    tasks: Sequence[Any],
    links: Iterable[Any],
    *,
    holidays: Iterable[date] = (),
    url_for=lambda task: "",
) -> Gantt:
    """``tasks`` need id, title, planned_start, planned_finish, duration_days, is_critical,
    status; ``links`` need predecessor_id, successor_id, kind, lag_days."""
    planned = [t for t in tasks if t.planned_start and t.planned_finish]
    if not planned:
        return Gantt(width=LABEL + 10 * DAY, height=HEADER + ROW)
    origin = min(t.planned_start for t in planned)
    end = max(t.planned_finish for t in planned) + timedelta(days=2)
    days = (end - origin).days + 1
    off = set(holidays)
    gantt = Gantt(width=LABEL + days * DAY, height=HEADER + len(planned) * ROW + 8)
    for i in range(days):
        day = origin + timedelta(days=i)
        working = day.weekday() < 5 and day not in off
        gantt.columns.append(
            Column(
                x=LABEL + i * DAY,
                day=day,
                working=working,
                label=str(day.day) if day.weekday() == 0 or i == 0 else "",
                month=day.strftime("%b %Y") if _month_label_fits(day, i, days) else "",
            )
        )
    rows: dict[int, Bar] = {}
    for row, task in enumerate(planned):
        x = LABEL + (task.planned_start - origin).days * DAY
        y = HEADER + row * ROW + (ROW - BAR) // 2
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
            tooltip=(
                f"{task.title}: {format_month_day(task.planned_start)}{finish}"
                + (" · critical" if task.is_critical else "")
            ),
        )
        if milestone:
            cx, cy, r = x + DAY // 2, y + BAR // 2, BAR // 2 + 1
            bar.points = f"{cx},{cy - r} {cx + r},{cy} {cx},{cy + r} {cx - r},{cy}"
            bar.x = cx - r
            bar.width = 2 * r
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
