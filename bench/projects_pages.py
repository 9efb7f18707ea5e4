"""Project pages and reschedules of a 2,074-task project (17 PSPLIB-j120-like networks), timed.

Runs against the database in DATABASE_URL (``relay_bench`` on the local PostgreSQL by
default), creating the project once with bulk inserts and scheduling it once through the
service. Each network is like a PSPLIB j120 instance: a source, 120 jobs and a sink, every
job with 1-3 successors later in the network, durations 1-10 working days (generated with
a fixed seed; no PSPLIB files needed). Reports, over ``RELAY_BENCH_RUNS`` (15) runs with
DEBUG off, the median wall-clock time of each request (judged against the target), the
median CPU time this process spent on it (steadier when other work shares the machine) and
its SQL queries; the query counts must not grow with the project.
"""

import json
import os
import random
import statistics
import time
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relay_bench")

NETWORKS = 17
JOBS = 120  # plus a source and a sink: 122 tasks per network
RUNS = int(os.environ.get("RELAY_BENCH_RUNS", "15"))
PAGE_TARGET_MS = 150.0
EDIT_TARGET_MS = 200.0
MAX_QUERIES = 15
NAME = "Bench: 17 j120 networks"
START = date(2026, 1, 5)


def ensure_database() -> None:
    """Create the benchmark database when it does not exist (PostgreSQL only)."""
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def networks(seed: int = 120) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """``NETWORKS`` j120-like networks: (durations by job, (predecessor, successor) pairs)
    with job 0 the source and job ``JOBS + 1`` the sink (both duration 0)."""
    rng = random.Random(seed)
    result = []
    sink = JOBS + 1
    for _ in range(NETWORKS):
        durations = [0] + [rng.randint(1, 10) for _ in range(JOBS)] + [0]
        pairs: set[tuple[int, int]] = set()
        for job in range(1, JOBS + 1):
            later = list(range(job + 1, min(job + 30, JOBS) + 1))
            for succ in rng.sample(later, min(len(later), rng.randint(1, 3))) or [sink]:
                pairs.add((job, succ))
        has_pred = {s for _, s in pairs}
        has_succ = {p for p, _ in pairs}
        pairs |= {(0, job) for job in range(1, JOBS + 1) if job not in has_pred}
        pairs |= {(job, sink) for job in range(1, JOBS + 1) if job not in has_succ}
        result.append((durations, sorted(pairs)))
    return result


def populate():
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import User
    from accounts.services import user_create
    from projects.models import Project

    call_command("migrate", verbosity=0)
    lead = User.objects.filter(username="bench-lead").first() or user_create(
        username="bench-lead", role="delivery_lead", password="bench-password-1"
    )
    project = Project.objects.filter(name=NAME).first()
    if project is not None:
        return lead, project
    with transaction.atomic():
        return lead, _create_project(lead)


def _create_project(lead):
    from projects import services
    from projects.models import Dependency, Milestone, Task

    project = services.project_create(by=lead, name=NAME, delivery_lead=lead, start_date=START)
    milestones = Milestone.objects.bulk_create(
        Milestone(project=project, name=f"Network {n + 1} done", position=n + 1)
        for n in range(NETWORKS)
    )
    plans = networks()
    tasks = Task.objects.bulk_create(
        [
            Task(
                project=project,
                title=f"N{n + 1:02d} job {job}",
                duration_days=duration,
                milestone=milestones[n] if job == JOBS + 1 else None,
                position=n * (JOBS + 2) + job,
                # Under way: the first 20 jobs done (their predecessors have lower
                # numbers, so done too), the next 5 in progress, the rest to do.
                status=_status(job),
            )
            for n, (durations, _) in enumerate(plans)
            for job, duration in enumerate(durations)
        ],
        batch_size=1000,
    )
    Dependency.objects.bulk_create(
        [
            Dependency(
                project=project,
                predecessor=tasks[n * (JOBS + 2) + p],
                successor=tasks[n * (JOBS + 2) + s],
            )
            for n, (_, pairs) in enumerate(plans)
            for p, s in pairs
        ],
        batch_size=1000,
    )
    services.project_reschedule(project=project, created=True)
    return project


def _status(job: int) -> str:
    from projects.models import TaskStatus

    if job <= 20:
        return TaskStatus.DONE
    return TaskStatus.IN_PROGRESS if job <= 25 else TaskStatus.TODO


def _time(call, runs: int = RUNS) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, cpu, queries = [], [], 0
    call(-1)  # warm up (templates, connection)
    for i in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started, used = time.perf_counter(), time.process_time()
            call(i)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        queries = len(ctx.captured_queries)
    return statistics.median(timings), statistics.median(cpu), queries


def _line(label: str, figures: tuple[float, float, int], target: float, *, pages: bool) -> str:
    """The wall-clock median against the target; the median CPU time of this process
    beside it (what the request costs Relay, whatever else the machine is doing)."""
    median, cpu, queries = figures
    slow = median > target or (pages and queries > MAX_QUERIES)
    verdict = "SLOWER THAN TARGET" if slow else "OK"
    limit = f", <= {MAX_QUERIES} queries" if pages else ""
    return (
        f"{label:<44} median {median:7.1f} ms (CPU {cpu:5.1f} ms), {queries:2d} queries "
        f"(target <= {target:.0f} ms{limit}: {verdict})"
    )


def run() -> list[str]:
    ensure_database()
    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.services import api_token_create
    from projects.models import Task

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    lead, project = populate()
    client = Client()
    client.force_login(lead)
    _, raw = api_token_create(user=lead, name="bench")
    bearer = {"Authorization": f"Bearer {raw}"}
    count = Task.objects.filter(project=project).count()
    links = project.dependencies.count()
    lines = [
        f"{count} tasks, {links} links in one project in {settings.DATABASES['default']['NAME']}"
    ]

    def get(url: str, headers: dict[str, str]):
        def call(_: int) -> None:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)

        return call

    htmx = {"HX-Request": "true"}

    base = f"/projects/{project.pk}/"
    for label, url, headers in [
        ("project page", base, {}),
        ("project page, task page 40", f"{base}?page=40", {}),
        ("task board", f"{base}board/", {}),
        ("task board, 'show more' to do (htmx)", f"{base}board/?column=todo&page=2", htmx),
        ("Gantt/timeline", f"{base}timeline/", {}),
        ("Gantt/timeline, page 15", f"{base}timeline/?page=15", {}),
    ]:
        figures = _time(get(url, headers))
        size = len(client.get(url, headers=headers).content) // 1024
        lines.append(_line(f"{label} ({size} KB)", figures, PAGE_TARGET_MS, pages=True))

    # A critical task early in the plan: making it longer or shorter by a day moves the
    # planned dates of every task after it on its network's critical path and beyond.
    task = (
        Task.objects.filter(project=project, is_critical=True, duration_days__gt=1)
        .order_by("planned_start", "pk")
        .first()
    )
    assert task is not None
    base_days = task.duration_days

    def toggled(current: Task) -> int:
        return base_days + 1 if current.duration_days == base_days else base_days

    def edit(_: int) -> None:
        current = Task.objects.get(pk=task.pk)
        response = client.post(
            f"/projects/tasks/{task.pk}/edit/",
            {
                "title": current.title,
                "duration_days": toggled(current),
                "assignee": "",
                "start_no_earlier_than": "",
                "milestone": current.milestone_id or "",
                "description": current.description,
                "version": current.version,
            },
        )
        assert response.status_code == 302, response.status_code

    def patch(_: int) -> None:
        current = Task.objects.get(pk=task.pk)
        response = client.patch(
            f"/api/v1/tasks/{task.pk}",
            json.dumps({"duration_days": toggled(current), "version": current.version}),
            content_type="application/json",
            headers=bearer,
        )
        assert response.status_code == 200, (response.status_code, response.content[:300])

    def finishes() -> dict[int, date | None]:
        return dict(Task.objects.filter(project=project).values_list("pk", "planned_finish"))

    for label, call in [
        ("browser task edit (reschedules)", edit),
        ("API PATCH task (reschedules)", patch),
    ]:
        # The read of the task's current version is counted too: one query less is the edit.
        median, cpu, queries = _time(call)
        before = finishes()
        call(0)
        moved = sum(1 for pk, day in finishes().items() if before[pk] != day)
        lines.append(_line(label, (median, cpu, queries - 1), EDIT_TARGET_MS, pages=False))
        lines.append(f"  (each such edit moves {moved} tasks' planned finish)")
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
