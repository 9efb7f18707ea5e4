"""Scheduling 2,000 tasks with 4,000 links (all four kinds, lags, holidays): target < 200 ms.

Pure Python, no database: the scheduler is what runs inside every change that moves dates.
"""

import random
import statistics
import time
from datetime import date, timedelta

from projects.scheduling import LINK_KINDS, LinkSpec, TaskSpec, WorkingCalendar, schedule

TASKS = 2_000
LINKS = 4_000
RUNS = 15
TARGET_MS = 200.0
START = date(2026, 1, 5)


def build(seed: int = 2026) -> tuple[list[TaskSpec], list[LinkSpec], WorkingCalendar]:
    """A random acyclic plan: links only go from a lower to a higher task number."""
    rng = random.Random(seed)
    tasks = [
        TaskSpec(
            id=i,
            duration=rng.choice([0, 1, 1, 2, 3, 5, 8]),
            name=f"Task {i}",
            not_before=START + timedelta(days=rng.randrange(0, 400)) if i % 50 == 0 else None,
        )
        for i in range(TASKS)
    ]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < LINKS:
        succ = rng.randrange(1, TASKS)
        pred = rng.randrange(max(0, succ - 60), succ)
        pairs.add((pred, succ))
    links = [
        LinkSpec(pred, succ, rng.choice(LINK_KINDS), rng.randint(-2, 3))
        for pred, succ in sorted(pairs)
    ]
    holidays = WorkingCalendar(START + timedelta(days=d) for d in range(0, 900, 37))
    return tasks, links, holidays


def run() -> list[str]:
    tasks, links, calendar = build()
    timings = []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = schedule(tasks, links, start=START, calendar=calendar)
        timings.append((time.perf_counter() - started) * 1000)
    assert result is not None
    median = statistics.median(timings)
    verdict = "OK" if median < TARGET_MS else "SLOWER THAN TARGET"
    return [
        f"schedule {TASKS} tasks, {len(links)} links (FS/SS/FF/SF, lags -2..+3, holidays)",
        f"median {median:.1f} ms, best {min(timings):.1f} ms, worst {max(timings):.1f} ms "
        f"over {RUNS} runs; target < {TARGET_MS:.0f} ms: {verdict}",
        f"planned finish {result.finish} ({result.working_days} working days), "
        f"{len(result.critical_ids)} critical tasks",
    ]
