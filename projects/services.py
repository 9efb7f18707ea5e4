"""Writes for delivery. Every path (browser, board, API, admin, handoff) comes through here.

R8 (dependencies and status) is owned by ``dependency_create`` and ``task_set_status``;
R9 (approvals) by ``milestone_approve``. Every change that moves dates reschedules the
project in the same transaction (``project_reschedule``).
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.formats import format_date
from accounts.models import User
from accounts.roles import Role
from crm.services import WinPermit
from inputs.dates import OUT_OF_RANGE, in_window
from projects import rules as project_rules
from projects import scheduling
from projects.models import (
    MAX_DURATION_DAYS,
    MAX_LAG_DAYS,
    OPEN_PROJECT_STATUSES,
    ActualCorrection,
    ChecklistItem,
    Comment,
    Dependency,
    DependencyKind,
    Holiday,
    Mention,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
    TemplateChecklistItem,
    TemplateDependency,
    TemplateMilestone,
    TemplateTask,
)
from projects.selectors import user_can_see_project, working_calendar
from records import locked_row, save_row, save_rows
from records.events import emit

DELIVERY_ROLES = (Role.DELIVERY_LEAD, Role.DELIVERY_MEMBER, Role.ADMIN)


def _require(user: User, perm: str, obj: Any, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _quote(title: str) -> str:
    return f"“{title}”"


# Scheduling --------------------------------------------------------------------------------


@contextmanager
def within_calendar(field: str) -> Iterator[None]:
    """A plan that would leave the accepted years is a field error on ``field``."""
    try:
        yield
    except scheduling.BeyondCalendarError as error:
        raise ValidationError(
            {field: [ValidationError(str(error), code="date_out_of_range")]}
        ) from error


PLAN_FIELDS = [
    "planned_start",
    "planned_finish",
    "total_float",
    "is_critical",
    "forecast_start",
    "forecast_finish",
]


@dataclass
class _PlanRow:
    """What the reschedule reads of a task and writes back (``records.save_rows``)."""

    pk: int
    version: int
    planned_start: date | None
    planned_finish: date | None
    total_float: int | None
    is_critical: bool
    forecast_start: date | None
    forecast_finish: date | None
    title: str
    duration_days: int
    start_no_earlier_than: date | None
    status: str
    actual_start: date | None
    actual_finish: date | None

    def spec(self) -> scheduling.TaskSpec:
        return scheduling.TaskSpec(
            self.pk,
            self.duration_days,
            self.title,
            self.start_no_earlier_than,
            *actuals_for_forecast(
                self.status,
                self.actual_start,
                self.actual_finish,
                self.planned_start,
                self.planned_finish,
            ),
        )


def actuals_for_forecast(
    status: str,
    actual_start: date | None,
    actual_finish: date | None,
    planned_start: date | None,
    planned_finish: date | None,
) -> tuple[date | None, date | None]:
    """The actual days the forecast counts from: none for a task to do; for a task under
    way or done whose actual days were never recorded (rows written before actuals were, or
    in bulk), its planned days, as if it went as planned."""
    if status == TaskStatus.TODO:
        return None, None
    start = actual_start or planned_start
    if status != TaskStatus.DONE:
        return start, None
    finish = actual_finish or planned_finish
    if start and finish and finish < start:
        start = finish
    return start, finish


def forecast_today() -> date:
    """The day forecasts count from: the installation's (``TIME_ZONE``), whoever triggers it."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def project_reschedule(
    *,
    project: Project,
    field: str = "start_date",
    created: bool = False,
    new_task: Task | None = None,
) -> scheduling.Schedule:
    """Schedule the project's tasks and store planned dates, float, critical flags, the
    forecast from actuals (``scheduling.forecast``, from today for an open project) and the
    project's planned and forecast finish and at-risk flag (R7: the forecast finish after the
    promised date). Call inside the transaction of the change; a plan that would run past the
    accepted years is refused as an error on ``field``.

    It reads the project's locked row (its start and promise as they are now, not as the
    caller read them). Only the tasks whose plan or forecast changed are written, in one
    statement (``records.save_rows``), each with a new version, as API.md promises for
    changes Relay makes itself: a task whose float or critical flag changed reads
    differently, so it is a new version too (not when the rows were ``created`` in this
    transaction, nor the ``new_task`` just added or just saved with a new version in this
    transaction: nobody can have read them yet). ``project`` is brought up to date in memory."""
    locked = locked_row(Project, project.pk)
    # Plain rows, not model instances: building 2,000 of those is a good part of the time.
    tasks = [
        _PlanRow(*row)
        for row in Task.objects.filter(project=project).values_list(
            "pk",
            "version",
            *PLAN_FIELDS,
            "title",
            "duration_days",
            "start_no_earlier_than",
            "status",
            "actual_start",
            "actual_finish",
        )
    ]
    links = [
        scheduling.LinkSpec(pred, succ, kind, lag)
        for pred, succ, kind, lag in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "kind", "lag_days"
        )
    ]
    calendar = working_calendar(since=locked.start_date)
    specs = [t.spec() for t in tasks]
    try:
        with within_calendar(field):
            result = scheduling.schedule(specs, links, start=locked.start_date, calendar=calendar)
            expected = scheduling.forecast(
                specs,
                links,
                start=locked.start_date,
                today=forecast_today() if locked.is_open else None,
                calendar=calendar,
            )
    except scheduling.CycleError as error:
        raise ValidationError(
            {"predecessor_id": f"These links close a cycle: {' → '.join(error.names)}."}
        ) from error
    changed, bumps = [], []
    for task in tasks:
        planned, future = result.tasks[task.pk], expected.tasks[task.pk]
        values = (
            planned.start,
            planned.finish,
            planned.total_float,
            planned.is_critical,
            future.start,
            future.finish,
        )
        if values != tuple(getattr(task, name) for name in PLAN_FIELDS):
            for name, value in zip(PLAN_FIELDS, values, strict=True):
                setattr(task, name, value)
            changed.append(task)
            bumps.append(not created and not (new_task and task.pk == new_task.pk))
    save_rows(Task, changed, PLAN_FIELDS, bump=bumps)
    finish = expected.finish
    at_risk = bool(locked.promised_date and finish and finish > locked.promised_date)
    fields = ["planned_finish", "forecast_finish", "at_risk"]
    if (locked.planned_finish, locked.forecast_finish, locked.at_risk) != (
        result.finish,
        finish,
        at_risk,
    ):
        locked.planned_finish, locked.forecast_finish, locked.at_risk = (
            result.finish,
            finish,
            at_risk,
        )
        if created:
            locked.save(update_fields=[*fields, "updated_at"])
        else:
            save_row(locked, fields)
    for name in fields:
        setattr(project, name, getattr(locked, name))
    project.version = locked.version
    return result


def forecasts_refresh(*, today: date | None = None) -> int:
    """The daily refresh (Celery beat): as today moves, reschedule the open projects whose
    forecast it moves: those with a task not started that is forecast to start before today,
    or one not done forecast to finish before today (or never forecast). Nothing else can
    move, since done tasks stay put and the rest follow those. One short transaction per
    project; returns how many were rescheduled."""
    today = today or forecast_today()
    behind = Task.objects.filter(project=OuterRef("pk")).exclude(status=TaskStatus.DONE)
    stale = (
        Q(forecast_finish__lt=today)
        | Q(forecast_finish__isnull=True)
        | Q(status=TaskStatus.TODO, forecast_start__lt=today)
    )
    ids = list(
        Project.objects.filter(status__in=OPEN_PROJECT_STATUSES)
        .filter(Exists(behind.filter(stale)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            project_reschedule(project=Project(pk=pk))
    return len(ids)


def _lock_project(project: Project) -> Project:
    """Serialise changes to one project's plan (links, durations) with a row lock."""
    return locked_row(Project, project.pk)


# Projects ----------------------------------------------------------------------------------


def _validate_lead(delivery_lead: User | None) -> None:
    if delivery_lead is None:
        raise ValidationError({"delivery_lead_id": "Choose the delivery lead."})
    if not delivery_lead.is_active or not delivery_lead.has_role(Role.DELIVERY_LEAD, Role.ADMIN):
        raise ValidationError(
            {"delivery_lead_id": f"{delivery_lead} is not a delivery lead; choose one who is."}
        )


def _validate_people(members: Iterable[User], field: str) -> list[User]:
    people = list(members)
    for person in people:
        if not person.is_active or not person.has_role(*DELIVERY_ROLES):
            raise ValidationError(
                {field: f"{person} has no delivery role; choose someone who has."}
            )
    return people


def project_event_data(project: Project, *, deal_id: int | None = None) -> dict[str, Any]:
    """A project's payload in its events (``records.events``); ``deal_id`` for a kickoff."""
    return {
        "id": project.pk,
        "name": project.name,
        "status": project.status,
        "company_id": project.company_id,
        "deal_id": deal_id,
        "template_id": project.template_id,
        "delivery_lead_id": project.delivery_lead_id,
        "start_date": project.start_date.isoformat(),
        "promised_date": project.promised_date.isoformat() if project.promised_date else None,
    }


def project_announce(*, project: Project, permit: WinPermit, deal_id: int) -> None:
    """Emit ``project.created`` for a kickoff project, once the handoff gate has linked it
    to its won deal (``handoff.services.deal_win``, with that win's ``permit``)."""
    if not isinstance(permit, WinPermit):
        raise PermissionDenied("Only the handoff gate announces kickoff projects.")
    emit("project.created", project_event_data(project, deal_id=deal_id))


@transaction.atomic
def project_create(
    *,
    by: User,
    name: str,
    delivery_lead: User,
    start_date: date,
    company=None,
    members: Iterable[User] = (),
    description: str = "",
    promised_date: date | None = None,
    status: str = ProjectStatus.PLANNING,
    permit: WinPermit | None = None,
) -> Project:
    """An empty project, by a delivery lead or an admin; or a kickoff project that the
    handoff gate creates when a deal is won, with that win's ``permit``. Emits
    ``project.created``, except for a kickoff project: the gate announces that one with
    its deal (``project_announce``)."""
    project = _project_create(
        by=by,
        name=name,
        delivery_lead=delivery_lead,
        start_date=start_date,
        company=company,
        members=members,
        description=description,
        promised_date=promised_date,
        status=status,
        permit=permit,
    )
    if permit is None:
        emit("project.created", project_event_data(project))
    return project


def _project_create(
    *,
    by: User,
    name: str,
    delivery_lead: User,
    start_date: date,
    company: Any,
    members: Iterable[User],
    description: str,
    promised_date: date | None,
    status: str,
    permit: WinPermit | None,
) -> Project:
    if not isinstance(permit, WinPermit):
        _require(by, "projects.add_project", None, "Only delivery leads create projects.")
    _validate_lead(delivery_lead)
    people = _validate_people(members, "member_ids")
    project = Project(
        name=(name or "").strip(),
        description=description,
        company=company,
        delivery_lead=delivery_lead,
        start_date=start_date,
        promised_date=promised_date,
        status=status,
        created_by=by,
    )
    project.full_clean()
    project.save()
    if people:
        project.members.add(*people)
    project_reschedule(project=project, created=True)
    return project


@transaction.atomic
def project_create_from_template(
    *,
    by: User,
    template: ProjectTemplate,
    name: str,
    start_date: date,
    delivery_lead: User,
    company=None,
    members: Iterable[User] = (),
    description: str = "",
    promised_date: date | None = None,
    permit: WinPermit | None = None,
) -> Project:
    """A project with the template's milestones, tasks, links and checklist, scheduled from
    ``start_date`` (task offsets in working days) with the plan kept as the baseline.
    Who may, and when ``project.created`` is emitted (here, once the copy is made): as
    ``project_create``."""
    project = _project_create(
        by=by,
        permit=permit,
        name=name,
        delivery_lead=delivery_lead,
        start_date=start_date,
        company=company,
        members=members,
        description=description or template.description,
        promised_date=promised_date,
        status=ProjectStatus.PLANNING,
    )
    project.template = template
    project.save(update_fields=["template"])
    calendar = working_calendar(since=start_date)
    milestones = {}
    for tm in TemplateMilestone.objects.filter(template=template).order_by("position", "pk"):
        milestones[tm.pk] = Milestone.objects.create(
            project=project,
            name=tm.name,
            requires_approval=tm.requires_approval,
            approver=delivery_lead if tm.requires_approval else None,
            position=tm.position,
        )
    task_map: dict[int, Task] = {}
    template_tasks = list(TemplateTask.objects.filter(template=template).order_by("position", "pk"))
    with within_calendar("start_date"):
        new_tasks = [
            Task(
                project=project,
                title=tt.title,
                description=tt.description,
                duration_days=tt.duration_days,
                start_no_earlier_than=(
                    calendar.add_working_days(start_date, tt.offset_days)
                    if tt.offset_days
                    else None
                ),
                milestone=milestones.get(tt.milestone_id) if tt.milestone_id else None,
                position=tt.position,
            )
            for tt in template_tasks
        ]
    for tt, task in zip(template_tasks, Task.objects.bulk_create(new_tasks), strict=True):
        task_map[tt.pk] = task
    Dependency.objects.bulk_create(
        Dependency(
            project=project,
            predecessor=task_map[link.predecessor_id],
            successor=task_map[link.successor_id],
            kind=link.kind,
            lag_days=link.lag_days,
        )
        for link in TemplateDependency.objects.filter(template=template)
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(project=project, text=item.text, position=item.position)
        for item in TemplateChecklistItem.objects.filter(template=template)
    )
    project_reschedule(project=project, created=True)
    _milestones_due_from_tasks(project)
    _set_baseline(project)
    if permit is None:
        emit("project.created", project_event_data(project))
    return project


def _milestones_due_from_tasks(project: Project) -> None:
    """Date each undated milestone by the latest planned finish of its tasks (one UPDATE)."""
    last_finish = (
        Task.objects.filter(milestone=OuterRef("pk"), planned_finish__isnull=False)
        .order_by()
        .values("milestone")
        .annotate(last=Max("planned_finish"))
        .values("last")
    )
    Milestone.objects.filter(project=project, due_date__isnull=True).filter(
        Exists(last_finish)
    ).update(due_date=Subquery(last_finish), updated_at=timezone.now())


def _set_baseline(project: Project) -> None:
    """The plan as it is becomes the baseline: one UPDATE for the tasks, one for the
    milestones, in the database (no row read back), whatever the size of the project."""
    Task.objects.filter(project=project).update(
        baseline_start=F("planned_start"), baseline_finish=F("planned_finish")
    )
    Milestone.objects.filter(project=project).update(baseline_date=F("due_date"))
    project.refresh_from_db(fields=["planned_finish"])
    project.baseline_finish = project.planned_finish
    Project.objects.filter(pk=project.pk).update(baseline_finish=project.baseline_finish)


@transaction.atomic
def project_set_baseline(*, by: User, project: Project) -> Project:
    """Keep the current plan as the baseline that variance is measured against."""
    _require(by, "projects.change_project", project, "Only the project's lead can do this.")
    _set_baseline(project)
    return project


PROJECT_FIELDS = {
    "name",
    "description",
    "company",
    "delivery_lead",
    "status",
    "start_date",
    "promised_date",
    "members",
}


@transaction.atomic
def project_update(
    *, by: User, project: Project, version: int | None = None, **changes: Any
) -> Project:
    """Edit a project: the caller's ``version`` is checked on the locked row, which alone
    is changed, so a rename never writes back a plan that was rescheduled meanwhile."""
    unknown = set(changes) - PROJECT_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    locked = locked_row(Project, project.pk, version=version)
    _require(by, "projects.change_project", locked, "Only the project's lead can change it.")
    if "delivery_lead" in changes:
        _validate_lead(changes["delivery_lead"])
    members = changes.pop("members", None)
    if members is not None:
        members = _validate_people(members, "member_ids")
    for name in ("name", "description"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    reschedule = any(
        field in ("start_date", "promised_date", "status") and getattr(locked, field) != value
        for field, value in changes.items()
    )
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    save_row(locked, changes)
    if members is not None:
        locked.members.set(members)
    if reschedule:
        project_reschedule(project=locked)
    return locked


# Tasks -------------------------------------------------------------------------------------


def _validate_milestone(project: Project, milestone: Milestone | None) -> None:
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError({"milestone_id": "Choose a milestone of this project."})


def _assign(project: Project, assignee: User | None) -> None:
    """An assignee must have a delivery role; they become a member of the project."""
    if assignee is None:
        return
    _validate_people([assignee], "assignee_id")
    if assignee.pk != project.delivery_lead_id:
        project.members.add(assignee)
        getattr(project, "_prefetched_objects_cache", {}).pop("members", None)


def _validate_task_fields(duration_days: int) -> None:
    if not 0 <= duration_days <= MAX_DURATION_DAYS:
        raise ValidationError(
            {"duration_days": f"Enter a number of working days from 0 to {MAX_DURATION_DAYS}."}
        )


@transaction.atomic
def task_create(
    *,
    by: User,
    project: Project,
    title: str,
    duration_days: int = 1,
    assignee: User | None = None,
    start_no_earlier_than: date | None = None,
    milestone: Milestone | None = None,
    description: str = "",
) -> Task:
    _require(by, "projects.change_project", project, "Only the project's lead can add tasks.")
    _lock_project(project)
    _validate_task_fields(duration_days)
    _validate_milestone(project, milestone)
    _assign(project, assignee)
    position = (Task.objects.filter(project=project).aggregate(m=Max("position"))["m"] or 0) + 1
    task = Task(
        project=project,
        title=(title or "").strip(),
        description=description,
        duration_days=duration_days,
        assignee=assignee,
        start_no_earlier_than=start_no_earlier_than,
        milestone=milestone,
        position=position,
    )
    task.full_clean()
    task.save()
    project_reschedule(
        project=project,
        field="start_no_earlier_than" if start_no_earlier_than else "duration_days",
        new_task=task,
    )
    task.refresh_from_db()
    return task


TASK_FIELDS = {
    "title",
    "description",
    "assignee",
    "duration_days",
    "start_no_earlier_than",
    "milestone",
    "status",
}
_DATE_MOVING = {"duration_days", "start_no_earlier_than"}


@transaction.atomic
def task_update(*, by: User, task: Task, version: int | None = None, **changes: Any) -> Task:
    """Edit a task. Plan fields need the project's lead; status goes through R8. The caller's
    ``version`` is checked on the locked row, which alone is changed and saved."""
    unknown = set(changes) - TASK_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    status = changes.pop("status", None)
    project = _lock_project(task.project)
    locked = locked_row(Task, task.pk, version=version)
    locked.project = project
    if changes:
        _require(by, "projects.change_project", locked, "Only the project's lead can edit tasks.")
    elif status is not None:
        _require(
            by,
            "projects.change_task_status",
            locked,
            "Only the assignee or the project's lead can change this task's status.",
        )
    if changes:
        if "duration_days" in changes:
            _validate_task_fields(changes["duration_days"])
        if "milestone" in changes:
            _validate_milestone(project, changes["milestone"])
        if "assignee" in changes:
            _assign(project, changes["assignee"])
        if "title" in changes:
            changes["title"] = (changes["title"] or "").strip()
        if "description" in changes:
            changes["description"] = changes["description"] or ""
        moved = [f for f in ("start_no_earlier_than", "duration_days") if f in changes]
        reschedule = any(getattr(locked, f) != changes[f] for f in moved)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.full_clean()
        save_row(locked, changes)
        if reschedule:
            project_reschedule(project=project, field=moved[0])
            locked.refresh_from_db()
    if status is not None and status != locked.status:
        locked = _set_status(by=by, task=locked, status=status)
    return locked


def _blocking(task: Task, status: str) -> list[str]:
    """R8: what keeps ``task`` from moving to ``status`` (one message per blocker)."""
    if status == TaskStatus.TODO:
        return []
    kinds = [DependencyKind.FS]
    if status == TaskStatus.DONE:
        kinds.append(DependencyKind.FF)
    links = (
        Dependency.objects.filter(successor=task, kind__in=kinds)
        .exclude(predecessor__status=TaskStatus.DONE)
        .select_related("predecessor")
        .order_by("predecessor__planned_start", "pk")
    )
    messages = []
    for link in links:
        if link.kind == DependencyKind.FS:
            verb = "start" if status == TaskStatus.IN_PROGRESS else "start or finish"
            messages.append(
                f"{_quote(task.title)} cannot {verb} before {_quote(link.predecessor.title)} "
                "is finished (finish-to-start)."
            )
        else:
            messages.append(
                f"{_quote(task.title)} cannot finish before {_quote(link.predecessor.title)} "
                "is finished (finish-to-finish)."
            )
    return messages


def _set_status(*, by: User, task: Task, status: str) -> Task:
    """Move the locked ``task`` to ``status`` (R8 checks its predecessors first), record its
    actuals (the day in ``by``'s zone: started when it leaves to-do, finished when done;
    back to to-do clears both, back to in progress the finish) and reschedule its project
    (the forecast follows). The caller holds the project's lock."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": f"Choose one of {', '.join(TaskStatus.values)}."})
    if task.status == status:
        return task
    blockers = _blocking(task, status)
    if blockers:
        raise ValidationError({"status": blockers})
    now = timezone.now()
    today = timezone.localdate(now, timezone=by.zone)
    task.status = status
    if status == TaskStatus.TODO:
        task.started_at = task.completed_at = None
        task.actual_start = task.actual_finish = None
    else:
        task.started_at = task.started_at or now
        task.actual_start = task.actual_start or today
        done = status == TaskStatus.DONE
        task.completed_at = now if done else None
        task.actual_finish = max(today, task.actual_start) if done else None
    save_row(task, ["status", "started_at", "completed_at", "actual_start", "actual_finish"])
    project_reschedule(project=task.project, field="status", new_task=task)
    task.refresh_from_db()
    if status == TaskStatus.DONE:
        emit(
            "task.done",
            {
                "id": task.pk,
                "title": task.title,
                "project_id": task.project_id,
                "milestone_id": task.milestone_id,
                "assignee_id": task.assignee_id,
                "actual_finish": task.actual_finish.isoformat() if task.actual_finish else None,
            },
        )
    return task


@transaction.atomic
def task_set_status(*, by: User, task: Task, status: str, version: int | None = None) -> Task:
    """Move a task to to-do, in progress or done (R8: not past an unfinished FS/FF predecessor)."""
    project = _lock_project(task.project)
    locked = locked_row(Task, task.pk, version=version)
    locked.project = project
    _require(
        by,
        "projects.change_task_status",
        locked,
        "Only the assignee or the project's lead can change this task's status.",
    )
    return _set_status(by=by, task=locked, status=status)


def _actuals_refusals(
    task: Task, actual_start: date | None, actual_finish: date | None, reason: str, today: date
) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if not reason:
        refuse("reason", "Say why the actual dates are corrected.", "required")
    for name, value in (("actual_start", actual_start), ("actual_finish", actual_finish)):
        if value is None:
            continue
        if not in_window(value):
            refuse(name, OUT_OF_RANGE, "date_out_of_range")
        elif value > today:
            refuse(name, f"Enter today ({format_date(today)}) or an earlier day.", "future")
    if task.status == TaskStatus.TODO:
        for name, value in (("actual_start", actual_start), ("actual_finish", actual_finish)):
            if value is not None:
                refuse(name, "This task has not started; it has no actual dates.", "not_started")
        return errors
    if actual_start is None:
        refuse("actual_start", "Enter the day this task started.", "required")
    if task.status == TaskStatus.DONE and actual_finish is None:
        refuse("actual_finish", "Enter the day this task was finished.", "required")
    if task.status == TaskStatus.IN_PROGRESS and actual_finish is not None:
        refuse("actual_finish", "This task is not done yet; it has no actual finish.", "not_done")
    if actual_start and actual_finish and actual_finish < actual_start and not errors:
        refuse("actual_finish", "The finish cannot be before the start.", "before_start")
    if not errors and (actual_start, actual_finish) == (task.actual_start, task.actual_finish):
        refuse("actual_start", "These are the recorded dates already.", "unchanged")
    return errors


@transaction.atomic
def task_correct_actuals(
    *,
    by: User,
    task: Task,
    actual_start: date | None,
    actual_finish: date | None,
    reason: str,
    version: int | None = None,
) -> Task:
    """Correct a task's actual start and finish (its lead or an admin), with a reason; every
    correction is kept (``ActualCorrection``) and the project's forecast follows. Refused
    field by field, changing nothing: a missing reason, a day outside the accepted years or
    after today (in ``by``'s zone), a finish before the start, dates the status cannot have."""
    _require(by, "projects.change_project", task, "Only the project's lead can correct actuals.")
    project = _lock_project(task.project)
    locked = locked_row(Task, task.pk, version=version)
    locked.project = project
    reason = (reason or "").strip()
    today = timezone.localdate(timezone=by.zone)
    errors = _actuals_refusals(locked, actual_start, actual_finish, reason, today)
    if errors:
        raise ValidationError(errors)
    corrections = [
        ActualCorrection(
            task=locked, field=name, old=getattr(locked, name), new=value, reason=reason, by=by
        )
        for name, value in (("actual_start", actual_start), ("actual_finish", actual_finish))
        if getattr(locked, name) != value
    ]
    locked.actual_start, locked.actual_finish = actual_start, actual_finish
    save_row(locked, ["actual_start", "actual_finish"])
    ActualCorrection.objects.bulk_create(corrections)
    project_reschedule(project=project, field="actual_start", new_task=locked)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def task_delete(*, by: User, task: Task) -> None:
    _require(by, "projects.change_project", task, "Only the project's lead can delete tasks.")
    project = _lock_project(task.project)
    task.delete()
    project_reschedule(project=project)


# Dependencies ------------------------------------------------------------------------------


@transaction.atomic
def dependency_create(
    *,
    by: User,
    successor: Task,
    predecessor: Task | None,
    kind: str = DependencyKind.FS,
    lag_days: int = 0,
) -> Dependency:
    """Link two tasks of one project (R8); a link that would close a cycle is refused."""
    _require(by, "projects.change_project", successor, "Only the project's lead can link tasks.")
    if predecessor is None or predecessor.project_id != successor.project_id:
        raise ValidationError({"predecessor_id": "Choose a task of the same project."})
    if kind not in DependencyKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(DependencyKind.values)}."})
    if not -MAX_LAG_DAYS <= lag_days <= MAX_LAG_DAYS:
        raise ValidationError(
            {"lag_days": f"Enter a lag from -{MAX_LAG_DAYS} to {MAX_LAG_DAYS} working days."}
        )
    project = _lock_project(successor.project)
    if predecessor.pk == successor.pk:
        raise ValidationError({"predecessor_id": "A task cannot depend on itself."})
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationError(
            {
                "predecessor_id": f"{_quote(successor.title)} already depends on "
                f"{_quote(predecessor.title)}."
            }
        )
    names = dict(Task.objects.filter(project=project).values_list("pk", "title"))
    links = [
        scheduling.LinkSpec(p, s)
        for p, s in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id"
        )
    ]
    cycle = scheduling.would_close_cycle(
        list(names), links, scheduling.LinkSpec(predecessor.pk, successor.pk), names
    )
    if cycle:
        raise ValidationError(
            {
                "predecessor_id": "This link would close a cycle: "
                + " → ".join(_quote(name) for name in cycle)
                + "."
            }
        )
    dependency = Dependency(
        project=project, predecessor=predecessor, successor=successor, kind=kind, lag_days=lag_days
    )
    try:
        with transaction.atomic():
            dependency.save()
    except IntegrityError as error:
        raise ValidationError({"predecessor_id": "These tasks are already linked."}) from error
    project_reschedule(project=project, field="lag_days")
    return dependency


@transaction.atomic
def dependency_delete(*, by: User, dependency: Dependency) -> None:
    _require(
        by,
        "projects.change_project",
        dependency,
        "Only the project's lead can unlink tasks.",
    )
    project = _lock_project(dependency.project)
    dependency.delete()
    project_reschedule(project=project)


# Milestones (R9) ---------------------------------------------------------------------------


def _validate_approval(project: Project, requires_approval: bool, approver: User | None) -> None:
    if not requires_approval:
        return
    if approver is None:
        raise ValidationError({"approver_id": "Name the approver of this milestone."})
    if not approver.is_active or not user_can_see_project(approver, project):
        raise ValidationError(
            {"approver_id": f"{approver} cannot see this project; add them as a member first."}
        )


@transaction.atomic
def milestone_create(
    *,
    by: User,
    project: Project,
    name: str,
    due_date: date | None = None,
    requires_approval: bool = False,
    approver: User | None = None,
) -> Milestone:
    _require(by, "projects.change_project", project, "Only the project's lead can add milestones.")
    _validate_approval(project, requires_approval, approver)
    position = (
        Milestone.objects.filter(project=project).aggregate(m=Max("position"))["m"] or 0
    ) + 1
    milestone = Milestone(
        project=project,
        name=(name or "").strip(),
        due_date=due_date,
        requires_approval=requires_approval,
        approver=approver if requires_approval else None,
        position=position,
    )
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestone_update(*, by: User, milestone: Milestone, **changes: Any) -> Milestone:
    _require(by, "projects.change_project", milestone, "Only the project's lead can do this.")
    allowed = {"name", "due_date", "requires_approval", "approver"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.approved_at and ({"requires_approval", "approver"} & set(changes)):
        raise ValidationError({"approver_id": "This milestone is already approved."})
    for field, value in changes.items():
        setattr(milestone, field, value.strip() if field == "name" else value)
    _validate_approval(milestone.project, milestone.requires_approval, milestone.approver)
    if not milestone.requires_approval:
        milestone.approver = None
    milestone.full_clean()
    milestone.save()
    return milestone


def milestone_approval_refusals(
    *, by: User, milestone: Milestone, open_tasks: list[str]
) -> dict[str, str]:
    """R9: why ``by`` cannot approve ``milestone`` now (empty: they can), given the titles
    of its open tasks in plan order. ``milestone_approve`` asks it, and so does the page's
    Approve button, which is disabled with this reason."""
    if not milestone.requires_approval:
        return {"requires_approval": "This milestone does not require approval."}
    # R9 asks the rule itself, not has_perm: a superuser passes every has_perm, but only the
    # named approver may approve.
    if not project_rules.can_approve.test(by, milestone):
        return {
            "approver": f"Only {milestone.approver}, the named approver, can approve this "
            "milestone."
        }
    if milestone.approved_at:
        return {
            "approved_at": f"Already approved by {milestone.approved_by} on "
            f"{format_date(milestone.approved_at)}."
        }
    if open_tasks:
        return {
            "tasks": "Finish these tasks before approving: "
            + ", ".join(_quote(title) for title in open_tasks)
            + "."
        }
    return {}


@transaction.atomic
def milestone_approve(*, by: User, milestone: Milestone, comment: str = "") -> Milestone:
    """R9: only the named approver approves, and only when the milestone's tasks are done."""
    locked = (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("approved_by")
        .get(pk=milestone.pk)
    )
    open_tasks = list(
        Task.objects.filter(milestone=locked)
        .exclude(status=TaskStatus.DONE)
        .order_by("planned_start", "pk")
        .values_list("title", flat=True)
    )
    refusals = milestone_approval_refusals(by=by, milestone=locked, open_tasks=open_tasks)
    if "approver" in refusals:
        raise PermissionDenied(refusals["approver"])
    if refusals:
        raise ValidationError(refusals)
    milestone.approved_by = by
    milestone.approved_at = timezone.now()
    milestone.approval_comment = (comment or "").strip()
    milestone.save(update_fields=["approved_by", "approved_at", "approval_comment", "updated_at"])
    emit(
        "milestone.approved",
        {
            "id": milestone.pk,
            "name": milestone.name,
            "project_id": milestone.project_id,
            "approved_by_id": by.pk,
            "approved_at": milestone.approved_at.isoformat(),
        },
    )
    return milestone


# Checklist ---------------------------------------------------------------------------------


@transaction.atomic
def checklist_item_create(*, by: User, project: Project, text: str) -> ChecklistItem:
    _require(by, "projects.change_project", project, "Only the project's lead can do this.")
    position = (
        ChecklistItem.objects.filter(project=project).aggregate(m=Max("position"))["m"] or 0
    ) + 1
    item = ChecklistItem(project=project, text=(text or "").strip(), position=position)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def checklist_item_set_done(*, by: User, item: ChecklistItem, done: bool) -> ChecklistItem:
    _require(by, "projects.tick_checklist", item, "Only the project's people can tick items.")
    locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if done and locked.done_at is None:
        item.done_at, item.done_by = timezone.now(), by
    elif not done:
        item.done_at, item.done_by = None, None
    else:
        item.done_at, item.done_by_id = locked.done_at, locked.done_by_id
    item.save(update_fields=["done_at", "done_by"])
    return item


# Comments and mentions ---------------------------------------------------------------------

MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+[\w+-]|[\w])")
# More distinct @names than this in one comment is refused (a comment tells people, it is
# not a mailing list; and the lookup of thousands of names is no query to run).
MAX_MENTIONS = 50


def mentioned_usernames(body: str) -> list[str]:
    """``@name`` tokens in order, without repeats (a trailing full stop is not part of it)."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


@transaction.atomic
def comment_create(*, by: User, task: Task, body: str) -> Comment:
    """A comment; each @username who can see the project gets a Mention row (reminders
    tells them)."""
    _require(by, "projects.add_comment", task, "You cannot comment on this project.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    names = mentioned_usernames(body)
    if len(names) > MAX_MENTIONS:
        raise ValidationError(
            {
                "body": ValidationError(
                    f"Mention at most {MAX_MENTIONS} people in one comment "
                    f"(this one names {len(names)}).",
                    code="too_many_mentions",
                )
            }
        )
    comment = Comment(task=task, author=by, body=body)
    comment.full_clean()
    comment.save()
    if names:
        users = User.objects.filter(is_active=True, username__iregex=_any_of(names)).exclude(
            pk=by.pk
        )
        Mention.objects.bulk_create(
            [
                Mention(comment=comment, user=user)
                for user in users.prefetch_related("groups")
                if user_can_see_project(user, task.project)
            ]
        )
    return comment


def _any_of(names: list[str]) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


# Holidays ----------------------------------------------------------------------------------


def _reschedule_around(days: Iterable[date]) -> int:
    """Reschedule open projects whose plan or forecast spans any of ``days``; returns how many."""
    days = list(days)
    if not days:
        return 0
    first, last = min(days), max(days)
    projects = Project.objects.filter(status__in=OPEN_PROJECT_STATUSES, start_date__lte=last)
    projects = projects.exclude(planned_finish__lt=first, forecast_finish__lt=first)
    count = 0
    for project in projects.select_for_update():
        project_reschedule(project=project)
        count += 1
    return count


def _require_admin(by: User) -> None:
    if not by.has_role(Role.ADMIN):
        raise PermissionDenied("Only admins manage holidays.")


@transaction.atomic
def holiday_create(*, by: User, day: date, name: str) -> Holiday:
    _require_admin(by)
    holiday = Holiday(date=day, name=(name or "").strip())
    holiday.full_clean()
    holiday.save()
    _reschedule_around([day])
    return holiday


@transaction.atomic
def holiday_update(*, by: User, holiday: Holiday, day: date, name: str) -> Holiday:
    _require_admin(by)
    old = Holiday.objects.get(pk=holiday.pk).date
    holiday.date, holiday.name = day, (name or "").strip()
    holiday.full_clean()
    holiday.save()
    _reschedule_around({old, day})
    return holiday


@transaction.atomic
def holiday_delete(*, by: User, holiday: Holiday) -> None:
    _require_admin(by)
    day = holiday.date
    holiday.delete()
    _reschedule_around([day])
