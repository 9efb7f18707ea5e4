"""The promise check's Monte Carlo schedule: a 50-task template, 2,000 runs: target < 200 ms.

Pure Python and numpy, no database: ``projects.simulation.simulate`` as the promise check
calls it, on a random acyclic template (links of all four kinds with lags, a few start
constraints and milestones, holidays), each task's durations drawn from seven "finished
projects" around its plan.
"""

import random
import statistics
import time
from datetime import date, timedelta

from projects.scheduling import LINK_KINDS, LinkSpec, TaskSpec, WorkingCalendar
from projects.simulation import RUNS, simulate

TASKS = 50
LINKS = 90
PROJECTS = 7
REPEATS = 15
TARGET_MS = 200.0
START = date(2026, 1, 5)


def build(seed: int = 2026):
    """A random template: links only go from a lower to a higher task number."""
    rng = random.Random(seed)
    tasks = [
        TaskSpec(
            id=i,
            duration=0 if i % 10 == 9 else rng.choice([1, 2, 3, 5, 8]),
            name=f"Task {i}",
            not_before=START + timedelta(days=rng.randrange(0, 40)) if i % 25 == 0 else None,
        )
        for i in range(TASKS)
    ]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < LINKS:
        succ = rng.randrange(1, TASKS)
        pairs.add((rng.randrange(max(0, succ - 8), succ), succ))
    links = [
        LinkSpec(pred, succ, rng.choice(LINK_KINDS), rng.randint(-1, 2))
        for pred, succ in sorted(pairs)
    ]
    samples = {
        task.id: [max(1, task.duration + rng.randint(-1, 3)) for _ in range(PROJECTS)]
        for task in tasks
        if task.duration
    }
    calendar = WorkingCalendar(START + timedelta(days=d) for d in range(0, 400, 37))
    return tasks, links, samples, calendar


def run() -> list[str]:
    tasks, links, samples, calendar = build()
    timings = []
    result = None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = simulate(tasks, links, start=START, samples=samples, calendar=calendar)
        p50, p80 = result.percentile_finish(50), result.percentile_finish(80)
        timings.append((time.perf_counter() - started) * 1000)
    assert result is not None
    median = statistics.median(timings)
    verdict = "OK" if median < TARGET_MS else "SLOWER THAN TARGET"
    return [
        f"simulate {TASKS} tasks, {len(links)} links (FS/SS/FF/SF, lags -1..+2, milestones, "
        f"holidays), {RUNS} runs, durations from {PROJECTS} finished projects",
        f"median {median:.1f} ms, best {min(timings):.1f} ms, worst {max(timings):.1f} ms "
        f"over {REPEATS} repeats; target < {TARGET_MS:.0f} ms: {verdict}",
        f"P50 finish {p50}, P80 finish {p80}",
    ]
