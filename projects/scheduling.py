"""Working-day scheduling: calendar, forward and backward pass, float, critical path.

Plain Python, free of Django, so the handoff's promise check, the benchmark and the
services all share one implementation.

Model. Every date is mapped to a working-day index counted from the project start
(index 0 is the first working day on or after the start date). A task occupies the
half-open range ``[start, start + duration)`` of indices, so its last working day (its
``planned_finish``, inclusive) is index ``start + duration - 1``. Links, with a lag in
working days (negative = lead), constrain the successor:

    FS  successor.start  >= predecessor.finish + lag
    SS  successor.start  >= predecessor.start  + lag
    FF  successor.finish >= predecessor.finish + lag
    SF  successor.finish >= predecessor.start  + lag

(``finish`` here is the exclusive end index.) So a 3-day task starting on a Monday
finishes on Wednesday, and its FS successor with lag 2 starts on the following Monday.
No task starts before the project start or before its "start no earlier than" date.

Milestones (MS Project's convention). An index boundary ``b`` is a point in time: "the end
of day ``b - 1``" when a finish reaches it (an FS link: ``pred.finish + lag``; an FF link),
"the start of day ``b``" when a start reaches it (SS and SF links, the project start, a
start no earlier than, and the forecast's today). A zero-duration task (a milestone) at
boundary ``b`` is dated on day ``b - 1`` when every constraint reaching its maximum ``b`` is
finish-driven and ``b > 0``, else on day ``b`` (a start wins a tie: 08:00 of day ``b`` is
later than 17:00 of day ``b - 1``). Its indices do not change, so an FS successor of a
milestone still starts on index ``b``; but the project finish (``Schedule.finish``,
``working_days``) is the milestone's day: a plan that ends in a milestone after a 3-day task
starting on a Monday finishes on Wednesday, and PSPLIB's zero-duration sink gives exactly
the published project length. The late dates of a milestone follow the same rule
(``ScheduledTask.late_day``); float is counted in boundaries, so it is what it was.

Forecast (:func:`forecast`). The same forward pass from what really happened: a done task
sits on its actual days (its duration is the working days it took; its finish is the end of
its actual finish day); a task under way keeps its actual start and finishes no earlier than
its planned duration from that start and no earlier than the end of today (at least one
working day remains while it is not done); a task not started starts no earlier than today.
Links hold as in the plan, except that a task that has started is not moved by its
predecessors' starts (only its finish is pushed, by FF and SF links).

Both passes visit tasks in a topological order found by Kahn's algorithm, so the work is
linear in tasks plus links; a cycle is refused with :class:`CycleError` naming it.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from inputs.dates import MAX_DATE, MIN_DATE

FS, SS, FF, SF = "FS", "SS", "FF", "SF"
LINK_KINDS = (FS, SS, FF, SF)

_ONE_DAY = timedelta(days=1)


class BeyondCalendarError(ValueError):
    """A plan would reach a day outside the accepted years (``inputs.dates``)."""

    def __init__(self) -> None:
        super().__init__(
            f"The plan would run outside {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}."
        )


def _step(day: date, step: timedelta) -> date:
    day += step
    if not MIN_DATE <= day <= MAX_DATE:
        raise BeyondCalendarError
    return day


class WorkingCalendar:
    """Monday to Friday, minus the given holidays."""

    def __init__(self, holidays: Iterable[date] = (), weekend: Iterable[int] = (5, 6)) -> None:
        self.holidays = frozenset(holidays)
        self.weekend = frozenset(weekend)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def roll_forward(self, day: date) -> date:
        """The day itself if it is a working day, else the next working day."""
        if not MIN_DATE <= day <= MAX_DATE:
            raise BeyondCalendarError
        while not self.is_working_day(day):
            day = _step(day, _ONE_DAY)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The working day ``count`` working days after ``day`` (rolled forward first)."""
        day = self.roll_forward(day)
        step = _ONE_DAY if count >= 0 else -_ONE_DAY
        remaining = abs(count)
        while remaining:
            day = _step(day, step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days lie in ``[first, last]`` (0 when last < first)."""
        count = 0
        day = first
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def working_days_variance(self, baseline: date, planned: date) -> int:
        """How many working days ``planned`` lies after ``baseline`` (negative: before);
        a finish moved from Friday to Monday is 1 day late."""
        if planned > baseline:
            return self.working_days_between(baseline + _ONE_DAY, planned)
        return -self.working_days_between(planned + _ONE_DAY, baseline)


class DayIndex:
    """Maps working-day indices (from a start date) to dates and back, growing lazily."""

    def __init__(self, start: date, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.days: list[date] = [calendar.roll_forward(start)]

    def _extend_to_index(self, index: int) -> None:
        days, calendar = self.days, self.calendar
        day = days[-1]
        while len(days) <= index:
            day = _step(day, _ONE_DAY)
            if calendar.is_working_day(day):
                days.append(day)

    def to_date(self, index: int) -> date:
        if index < 0:
            raise ValueError("Working-day index before the start.")
        if index >= len(self.days):
            self._extend_to_index(index)
        return self.days[index]

    def to_index(self, day: date) -> int:
        """Index of the first working day on or after ``day`` (0 for days before the start)."""
        days, calendar = self.days, self.calendar
        if day <= days[0]:
            return 0
        last = days[-1]
        while last < day:
            last = _step(last, _ONE_DAY)
            if calendar.is_working_day(last):
                days.append(last)
        return bisect.bisect_left(days, day)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    id: Hashable
    duration: int
    name: str = ""
    not_before: date | None = None
    # What happened (read by :func:`forecast` only; :func:`schedule` plans without them).
    actual_start: date | None = None
    actual_finish: date | None = None


@dataclass(frozen=True, slots=True)
class LinkSpec:
    predecessor: Hashable
    successor: Hashable
    kind: str = FS
    lag: int = 0


@dataclass(slots=True)
class ScheduledTask:
    id: Hashable
    duration: int
    early_start: int
    early_finish: int  # exclusive index
    late_start: int
    late_finish: int  # exclusive index
    start: date
    finish: date  # last working day, inclusive (a milestone: its day)
    # A milestone reached only from finishes sits on the day before its boundary.
    finish_driven: bool = False

    @property
    def early_day(self) -> int:
        """Index of the task's first working day (a milestone: its day)."""
        return self.early_start - 1 if self.finish_driven else self.early_start

    @property
    def late_day(self) -> int:
        """Index of the latest first working day that keeps the project end (a milestone:
        its latest day, by the same convention as its early day)."""
        return self.late_start - 1 if self.finish_driven else self.late_start

    @property
    def total_float(self) -> int:
        return self.late_start - self.early_start

    @property
    def is_critical(self) -> bool:
        return self.total_float <= 0


@dataclass
class Schedule:
    start: date
    tasks: dict[Hashable, ScheduledTask] = field(default_factory=dict)
    finish: date | None = None
    working_days: int = 0  # working days from the start to the finish, inclusive

    @property
    def critical_ids(self) -> list[Hashable]:
        return [task_id for task_id, task in self.tasks.items() if task.is_critical]


class CycleError(ValueError):
    """The links close a cycle; ``cycle`` lists the task ids, first repeated at the end."""

    def __init__(self, cycle: Sequence[Hashable], names: Sequence[str]) -> None:
        self.cycle = list(cycle)
        self.names = list(names)
        super().__init__("Dependency cycle: " + " → ".join(self.names))


class UnknownTaskError(ValueError):
    pass


def _find_cycle(
    task_ids: Sequence[Hashable], remaining: set[Hashable], preds: dict[Hashable, list[Hashable]]
) -> list[Hashable]:
    """A cycle among the nodes Kahn's algorithm could not order (each has such a predecessor).

    The cycle is told in link order, from its task that comes first in ``task_ids``.
    """
    node = next(task_id for task_id in task_ids if task_id in remaining)
    seen: dict[Hashable, int] = {}
    path: list[Hashable] = []
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(p for p in preds[node] if p in remaining)
    cycle = path[seen[node] :]
    cycle.reverse()  # walked backwards along predecessor edges
    position = {task_id: i for i, task_id in enumerate(task_ids) if task_id in remaining}
    first = min(range(len(cycle)), key=lambda i: position[cycle[i]])
    cycle = cycle[first:] + cycle[:first]
    return [*cycle, cycle[0]]


def topological_order(
    task_ids: Sequence[Hashable], links: Sequence[LinkSpec], names: Mapping[Any, str]
) -> list[Hashable]:
    succs: dict[Hashable, list[Hashable]] = {task_id: [] for task_id in task_ids}
    preds: dict[Hashable, list[Hashable]] = {task_id: [] for task_id in task_ids}
    indegree = dict.fromkeys(task_ids, 0)
    for link in links:
        if link.predecessor not in succs or link.successor not in succs:
            raise UnknownTaskError(f"Link {link} refers to a task that is not scheduled.")
        succs[link.predecessor].append(link.successor)
        preds[link.successor].append(link.predecessor)
        indegree[link.successor] += 1
    queue = deque(task_id for task_id in task_ids if indegree[task_id] == 0)
    order: list[Hashable] = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for succ in succs[node]:
            indegree[succ] -= 1
            if indegree[succ] == 0:
                queue.append(succ)
    if len(order) != len(task_ids):
        remaining = set(task_ids) - set(order)
        cycle = _find_cycle(task_ids, remaining, preds)
        raise CycleError(cycle, [names.get(task_id) or str(task_id) for task_id in cycle])
    return order


def _link_bound(
    link: LinkSpec, starts: Mapping[Hashable, int], finishes: Mapping[Hashable, int], duration: int
) -> tuple[int, bool]:
    """The earliest start ``link`` allows its successor, and whether a finish reaches it."""
    pred, kind, lag = link.predecessor, link.kind, link.lag
    if kind == FS:
        return finishes[pred] + lag, True
    if kind == SS:
        return starts[pred] + lag, False
    if kind == FF:
        return finishes[pred] + lag - duration, True
    return starts[pred] + lag - duration, False  # SF


def _earliest(
    es: int,
    links: Iterable[LinkSpec],
    starts: Mapping[Hashable, int],
    finishes: Mapping[Hashable, int],
    duration: int,
) -> tuple[int, bool]:
    """The earliest start from ``es`` (a start: the project start, a "no earlier than",
    today) and ``links``, and whether only finishes reach it (the milestone convention)."""
    by_finish = False
    for link in links:
        candidate, from_finish = _link_bound(link, starts, finishes, duration)
        if candidate > es:
            es, by_finish = candidate, from_finish
        elif candidate == es and not from_finish:
            by_finish = False
    return es, by_finish


def prepare(
    tasks: Sequence[TaskSpec], links: Sequence[LinkSpec]
) -> tuple[
    dict[Hashable, TaskSpec], list[Hashable], list[Hashable], dict[Hashable, list[LinkSpec]]
]:
    """Check ``tasks`` and ``links`` (unique ids, no negative duration, known kinds, no
    cycle) and index them: the tasks by id, their ids, a topological order, each task's
    incoming links. Shared by the scheduler and the simulation (``projects.simulation``)."""
    spec = {task.id: task for task in tasks}
    if len(spec) != len(tasks):
        raise ValueError("Task ids must be unique.")
    for task in tasks:
        if task.duration < 0:
            raise ValueError(f"Task {task.name or task.id} has a negative duration.")
    for link in links:
        if link.kind not in LINK_KINDS:
            raise ValueError(f"Unknown link kind {link.kind!r}.")
    ids = [task.id for task in tasks]
    order = topological_order(ids, links, {task.id: task.name for task in tasks})
    incoming: dict[Hashable, list[LinkSpec]] = {task_id: [] for task_id in ids}
    for link in links:
        incoming[link.successor].append(link)
    return spec, ids, order, incoming


def schedule(
    tasks: Sequence[TaskSpec],
    links: Sequence[LinkSpec],
    *,
    start: date,
    calendar: WorkingCalendar | None = None,
) -> Schedule:
    """Schedule ``tasks`` from ``start``: early dates, late dates, float, critical flags."""
    calendar = calendar or WorkingCalendar()
    days = DayIndex(start, calendar)
    spec, ids, order, incoming = prepare(tasks, links)
    outgoing: dict[Hashable, list[LinkSpec]] = {task_id: [] for task_id in ids}
    for link in links:
        outgoing[link.predecessor].append(link)

    # Forward pass: earliest starts.
    early_start: dict[Hashable, int] = {}
    early_finish: dict[Hashable, int] = {}
    finish_driven: dict[Hashable, bool] = {}
    for task_id in order:
        task = spec[task_id]
        duration = task.duration
        es = days.to_index(task.not_before) if task.not_before else 0
        es, by_finish = _earliest(es, incoming[task_id], early_start, early_finish, duration)
        early_start[task_id] = es
        early_finish[task_id] = es + duration
        finish_driven[task_id] = duration == 0 and by_finish and es > 0

    project_end = max(early_finish.values(), default=0)
    # The last day anything happens on: a milestone at the end sits on its own day.
    last_index = max(
        (
            early_finish[t] - 1 if spec[t].duration else early_start[t] - finish_driven[t]
            for t in ids
        ),
        default=-1,
    )

    # Backward pass: latest finishes that keep the project end.
    late_finish: dict[Hashable, int] = {}
    late_start: dict[Hashable, int] = {}
    for task_id in reversed(order):
        duration = spec[task_id].duration
        lf = project_end
        for link in outgoing[task_id]:
            succ = link.successor
            kind = link.kind
            if kind == FS:
                candidate = late_start[succ] - link.lag
            elif kind == SS:
                candidate = late_start[succ] - link.lag + duration
            elif kind == FF:
                candidate = late_finish[succ] - link.lag
            else:  # SF
                candidate = late_finish[succ] - link.lag + duration
            if candidate < lf:
                lf = candidate
        late_finish[task_id] = lf
        late_start[task_id] = lf - duration

    result = Schedule(start=days.to_date(0))
    for task_id in ids:
        es, ef, duration = early_start[task_id], early_finish[task_id], spec[task_id].duration
        start_day = days.to_date(es - finish_driven[task_id])
        finish_day = days.to_date(ef - 1) if duration else start_day
        result.tasks[task_id] = ScheduledTask(
            id=task_id,
            duration=duration,
            early_start=es,
            early_finish=ef,
            late_start=late_start[task_id],
            late_finish=late_finish[task_id],
            start=start_day,
            finish=finish_day,
            finish_driven=finish_driven[task_id],
        )
    if ids:
        result.finish = days.to_date(last_index) if last_index >= 0 else days.to_date(0)
        result.working_days = max(last_index + 1, 0)
    return result


@dataclass(slots=True)
class ForecastTask:
    id: Hashable
    start: date
    finish: date  # last working day, inclusive (a milestone: its day)


@dataclass
class Forecast:
    tasks: dict[Hashable, ForecastTask] = field(default_factory=dict)
    finish: date | None = None


def forecast(
    tasks: Sequence[TaskSpec],
    links: Sequence[LinkSpec],
    *,
    start: date,
    today: date | None,
    calendar: WorkingCalendar | None = None,
) -> Forecast:
    """Schedule ``tasks`` from their actuals (see the module's docstring): done tasks on
    their actual days, tasks under way from their actual start to no earlier than the end of
    ``today`` (``None``: no today, for a closed project), the rest from no earlier than the
    start of ``today`` and the project ``start``, every link respected."""
    calendar = calendar or WorkingCalendar()
    spec, _ids, order, incoming = prepare(tasks, links)
    actual_days = [t.actual_start or t.actual_finish for t in tasks]
    days = DayIndex(min([start, *(day for day in actual_days if day)]), calendar)
    start_index = days.to_index(start)
    today_index = days.to_index(today) if today is not None else None
    early_start: dict[Hashable, int] = {}
    early_finish: dict[Hashable, int] = {}
    result = Forecast()
    for task_id in order:
        task = spec[task_id]
        duration = task.duration
        if task.actual_finish is not None:  # done: where it really was
            first = task.actual_start or task.actual_finish
            after = days.to_index(_step(task.actual_finish, _ONE_DAY))  # end of its last day
            es = after if duration == 0 else days.to_index(first)
            ef = max(after, es + 1) if duration else after
            start_day, finish_day = first, task.actual_finish
        elif task.actual_start is not None and duration:  # under way
            es = days.to_index(task.actual_start)
            ef = es + duration
            if today_index is not None:
                ef = max(ef, today_index + 1)
            for link in incoming[task_id]:
                if link.kind in (FF, SF):
                    bound, _ = _link_bound(link, early_start, early_finish, 0)
                    ef = max(ef, bound)
            start_day, finish_day = task.actual_start, days.to_date(ef - 1)
        else:  # not started (a milestone counts as started only when it is done)
            es = start_index
            if task.not_before:
                es = max(es, days.to_index(task.not_before))
            if today_index is not None:
                es = max(es, today_index)
            es, by_finish = _earliest(es, incoming[task_id], early_start, early_finish, duration)
            ef = es + duration
            start_day = days.to_date(es - 1 if duration == 0 and by_finish and es > 0 else es)
            finish_day = days.to_date(ef - 1) if duration else start_day
        early_start[task_id], early_finish[task_id] = es, ef
        result.tasks[task_id] = ForecastTask(task_id, start_day, finish_day)
        if result.finish is None or finish_day > result.finish:
            result.finish = finish_day
    return result


def would_close_cycle(
    task_ids: Sequence[Hashable],
    links: Sequence[LinkSpec],
    new_link: LinkSpec,
    names: Mapping[Any, str],
) -> list[str] | None:
    """The names along the cycle ``new_link`` would close, or None when it closes none."""
    try:
        topological_order(task_ids, [*links, new_link], names)
    except CycleError as error:
        return error.names
    return None
