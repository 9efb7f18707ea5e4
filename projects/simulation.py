"""Monte Carlo schedules: how likely a plan finishes by a date, given how long its tasks
really took (the promise check's probability, R7 and issue 15).

Free of Django, as ``projects.scheduling``, whose model it shares: working-day indices from
the start, a task on ``[start, start + duration)``, FS/SS/FF/SF links with lags, "start no
earlier than" days. Each run draws every task's duration from its sample pool (each value
equally likely; a task without samples keeps its planned duration) and runs the forward
pass; the runs are columns of numpy arrays, so a pass costs one vector operation per link.

Milestones follow MS Project: a boundary ``b`` reached from a finish (FS, FF) is the end of
day ``b - 1``, one reached from a start (SS, SF, the project start, a start no earlier than)
is the start of day ``b``. A zero-duration task at its boundary ``b`` is dated day ``b - 1``
when every constraint reaching ``b`` is finish-driven and ``b > 0``, else day ``b``;
successors' indices do not change. A run's finish is the last day anything happens on: a
task's last day (``early_finish - 1``), a milestone's day.

The random generator has a fixed seed, so the same plan and samples give the same answer.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from projects.scheduling import (
    FF,
    FS,
    SS,
    DayIndex,
    LinkSpec,
    TaskSpec,
    WorkingCalendar,
    prepare,
)

RUNS = 2_000
SEED = 15


@dataclass(frozen=True)
class Simulation:
    runs: int
    finish_indices: np.ndarray  # per run: the working-day index of the last day (int64)
    days: DayIndex

    def probability_by(self, day: date) -> float:
        """The share of runs that finish on or before ``day``."""
        return self.runs_by(day) / self.runs

    def runs_by(self, day: date) -> int:
        """How many runs finish on or before ``day``."""
        if day < self.days.days[0]:
            return 0
        if day >= self.days.to_date(int(self.finish_indices.max())):
            return self.runs  # (and no index past the accepted years is looked for)
        # The index of the last working day on or before ``day``.
        last = self.days.to_index(day + timedelta(days=1)) - 1
        return int(np.count_nonzero(self.finish_indices <= last))

    def percentile_finish(self, percent: int) -> date:
        """The earliest day by which at least ``percent``% of the runs finish."""
        index = int(np.percentile(self.finish_indices, percent, method="inverted_cdf"))
        return self.days.to_date(index)


def simulate(
    tasks: Sequence[TaskSpec],
    links: Sequence[LinkSpec],
    *,
    start: date,
    samples: Mapping[Any, Sequence[int]] | None = None,
    calendar: WorkingCalendar | None = None,
    runs: int = RUNS,
    seed: int = SEED,
) -> Simulation:
    """Schedule ``tasks`` ``runs`` times from ``start``, durations drawn from ``samples``
    (per task id; missing or empty: the task's planned duration). A cycle raises
    ``scheduling.CycleError``, as ``scheduling.schedule`` does."""
    if runs < 1:
        raise ValueError("Simulate at least one run.")
    calendar = calendar or WorkingCalendar()
    samples = samples or {}
    days = DayIndex(start, calendar)
    spec, _, order, incoming = prepare(tasks, links)

    rng = np.random.default_rng(seed)
    early_start: dict[Hashable, np.ndarray] = {}
    early_finish: dict[Hashable, np.ndarray] = {}
    last_day = np.full(runs, -1, dtype=np.int64)
    for task_id in order:
        task = spec[task_id]
        pool = [int(d) for d in samples.get(task_id, ())]
        if any(d < 0 for d in pool):
            raise ValueError(f"Task {task.name or task_id} has a negative duration.")
        if len(set(pool)) > 1:
            duration = rng.choice(np.asarray(pool, dtype=np.int64), size=runs)
        else:
            duration = np.full(runs, pool[0] if pool else task.duration, dtype=np.int64)
        # Start-driven bounds (the project start, a start no earlier than, SS, SF) and
        # finish-driven ones (FS, FF), kept apart for the milestone's day.
        start_bound = np.full(runs, days.to_index(task.not_before) if task.not_before else 0)
        finish_bound = np.full(runs, np.iinfo(np.int64).min, dtype=np.int64)
        for link in incoming[task_id]:
            pred = link.predecessor
            if link.kind == FS:
                finish_bound = np.maximum(finish_bound, early_finish[pred] + link.lag)
            elif link.kind == FF:
                finish_bound = np.maximum(finish_bound, early_finish[pred] + link.lag - duration)
            elif link.kind == SS:
                start_bound = np.maximum(start_bound, early_start[pred] + link.lag)
            else:  # SF
                start_bound = np.maximum(start_bound, early_start[pred] + link.lag - duration)
        es = np.maximum(start_bound, finish_bound)
        ef = es + duration
        early_start[task_id], early_finish[task_id] = es, ef
        # A milestone reached only from finishes sits on the day before its boundary.
        milestone_day = np.where((start_bound < es) & (es > 0), es - 1, es)
        last_day = np.maximum(last_day, np.where(duration > 0, ef - 1, milestone_day))
    return Simulation(runs=runs, finish_indices=last_day, days=days)


def working_days(
    calendar: WorkingCalendar, firsts: Iterable[date], lasts: Iterable[date]
) -> list[int]:
    """Working days in each ``[first, last]`` pair (0 when last < first), in one vector
    operation: ``WorkingCalendar.working_days_between`` for many spans at once."""
    first = np.asarray(list(firsts), dtype="datetime64[D]")
    last = np.asarray(list(lasts), dtype="datetime64[D]")
    if not len(first):
        return []
    weekmask = [0 if day in calendar.weekend else 1 for day in range(7)]
    holidays = np.asarray(sorted(calendar.holidays), dtype="datetime64[D]")
    after_last = last + np.timedelta64(1, "D")
    counts = np.busday_count(first, after_last, weekmask=weekmask, holidays=holidays)
    return [max(int(count), 0) for count in counts]
