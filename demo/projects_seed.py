"""Demo delivery: two internal projects from the ready template, one well under way
(tasks done, a comment with a mention, a sign-off awaiting approval), at risk, and late
against its baseline (its build took three more working days than planned at kickoff);
and six finished ones, whose tasks took more or less than planned, so the template has a
history and the promise check shows its probability (issue 15)."""

import datetime as dt
import random
from collections.abc import Callable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from projects import scheduling
from projects import services as project_services
from projects.models import (
    Dependency,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
)
from projects.selectors import working_calendar

DEMO_PROJECTS = [
    # name, kickoff in weeks from this week's Monday, days from kickoff to the promise
    ("Intranet refresh (internal)", -3, 28),
    ("Support playbook (internal)", 1, 60),
]


FINISHED_PROJECTS = [
    # name, kickoff in weeks from this week's Monday; done long before today
    ("Partner portal (internal)", -62),
    ("Knowledge base (internal)", -54),
    ("Careers site (internal)", -46),
    ("Event microsite (internal)", -38),
    ("Newsletter revamp (internal)", -30),
    ("Pricing page (internal)", -22),
]
# Working days a finished task took over (+) or under (-) its plan, each equally likely.
SLIPS = (-1, 0, 0, 1, 1, 2, 3)


def seed_projects(*, users: dict[str, User]) -> int:
    """Create the demo projects that are missing; returns how many were created."""
    template = ProjectTemplate.objects.filter(name="Standard delivery", is_active=True).first()
    if template is None:
        return 0
    lead, member = users["dana"], users["max"]
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    # Each project: its name, kickoff, promise and what happened to it since.
    plans: list[tuple[str, int, int, Callable[[Project], None]]] = [
        *(
            (name, weeks, 42, partial(_finish, lead=lead, rng=random.Random(n)))
            for n, (name, weeks) in enumerate(FINISHED_PROJECTS)
        ),
        *(
            (name, weeks, days, partial(_make_progress, lead=lead, member=member, today=today))
            for name, weeks, days in DEMO_PROJECTS
        ),
    ]
    created = 0
    for name, weeks, promise_days, happened in plans:
        if Project.objects.filter(name=name).exists():
            continue
        kickoff = monday + dt.timedelta(weeks=weeks)
        with transaction.atomic():
            project = project_services.project_create_from_template(
                by=lead,
                template=template,
                name=name,
                start_date=kickoff,
                delivery_lead=lead,
                members=[member],
                promised_date=kickoff + dt.timedelta(days=promise_days),
            )
            happened(project)
        created += 1
    return created


BUILD_SLIP = 3  # working days the under-way project's build runs over its baseline


def _make_progress(project: Project, *, lead: User, member: User, today: dt.date) -> None:
    tasks = list(Task.objects.filter(project=project).order_by("planned_finish", "pk"))
    for task in tasks[1:]:
        project_services.task_update(by=lead, task=task, assignee=member)
    if project.start_date > today:
        return
    build = Task.objects.get(project=project, title="Build")
    project_services.task_update(
        by=lead, task=build, duration_days=build.duration_days + BUILD_SLIP
    )
    tasks = list(Task.objects.filter(project=project).order_by("planned_finish", "pk"))
    project_services.project_update(by=lead, project=project, status=ProjectStatus.ACTIVE)
    for i, task in enumerate(tasks):
        assert task.planned_finish is not None and task.planned_start is not None
        status = (
            TaskStatus.DONE
            if task.planned_finish < today
            else TaskStatus.IN_PROGRESS
            if task.planned_start <= today
            else None
        )
        if status is None:
            continue
        try:
            tasks[i] = project_services.task_set_status(by=lead, task=task, status=status)
        except ValidationError:
            continue  # R8 holds in demo data too: leave a blocked task as it is
    current = next((t for t in tasks if t.status != TaskStatus.DONE), None)
    if current is not None:
        project_services.comment_create(
            by=member,
            task=current,
            body=f"@{lead.username} the customer asked to move the review by a week; "
            "does that still fit the promise?",
        )


def _finish(project: Project, *, lead: User, rng: random.Random) -> None:
    """Done, each task on the days it really took: its plan's duration plus a slip, from
    the kickoff through the project's links (the actual dates the template learns from)."""
    tasks = list(Task.objects.filter(project=project).order_by("pk"))
    links = [
        scheduling.LinkSpec(d.predecessor_id, d.successor_id, d.kind, d.lag_days)
        for d in Dependency.objects.filter(project=project)
    ]
    specs = [
        scheduling.TaskSpec(
            t.pk,
            max(1, t.duration_days + rng.choice(SLIPS)) if t.duration_days else 0,
            t.title,
            t.start_no_earlier_than,
        )
        for t in tasks
    ]
    calendar = working_calendar(since=project.start_date)
    actual = scheduling.schedule(specs, links, start=project.start_date, calendar=calendar)
    for task in tasks:
        ran = actual.tasks[task.pk]
        task.status = TaskStatus.DONE
        task.actual_start, task.actual_finish = ran.start, ran.finish
        task.started_at = _at(ran.start, 9)
        task.completed_at = _at(ran.finish, 17)
        task.version += 2
    Task.objects.bulk_update(
        tasks,
        ["status", "actual_start", "actual_finish", "started_at", "completed_at", "version"],
    )
    for milestone in Milestone.objects.filter(project=project, requires_approval=True):
        project_services.milestone_approve(by=lead, milestone=milestone, comment="Signed off.")
    project_services.project_update(by=lead, project=project, status=ProjectStatus.DONE)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
