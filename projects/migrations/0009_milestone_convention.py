"""Existing plans to the milestone convention of issue 15, with their first forecasts.

Every project is rescheduled (planned dates, float, critical flags, planned finish) with the
Django-free ``projects.scheduling`` and forecast from its tasks' actuals (from today for an
open project); at-risk follows the forecast finish (R7). Baselines were taken under the old
convention, when a milestone reached only from finishes sat on the working day after its
predecessor's finish: such a milestone's baseline moves to the previous working day (whether
it is reached only from finishes is read from the plan as it is now; a baseline does not keep
what drove it, and the links of a project rarely change after kickoff). A milestone's
baseline date and due date, and the project's baseline finish, move with them where they
were derived from those tasks (equal to the latest of them before). Changed rows get a new
version, as every change Relay makes itself. Per project: three reads and a few bulk writes.
Like every migration it runs once: run again, it would move those baselines a second day.
"""

from collections import defaultdict
from datetime import timedelta

from django.db import migrations
from django.db.models import F
from django.utils import timezone

from projects import scheduling

OPEN = ("planning", "active", "on_hold")
TASK_FIELDS = [
    "planned_start",
    "planned_finish",
    "total_float",
    "is_critical",
    "forecast_start",
    "forecast_finish",
    "baseline_start",
    "baseline_finish",
]


def _previous_working_day(calendar, day):
    day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _latest(days):
    days = [day for day in days if day is not None]
    return max(days) if days else None


TYPES = ["date", "date", "integer", "boolean", "date", "date", "date", "date"]


def _update_tasks(schema_editor, Task, tasks, now):
    """One ``UPDATE ... FROM (VALUES ...)`` for the changed tasks, each a new version
    (``bulk_update``'s CASE per field is most of the time at 40 tasks a project)."""
    if not tasks:
        return
    table = Task._meta.db_table
    quote = schema_editor.quote_name
    sets = ", ".join(
        f"{quote(name)} = v.{quote(name)}::{kind}"
        for name, kind in zip(TASK_FIELDS, TYPES, strict=True)
    )
    columns = ", ".join(quote(name) for name in ["id", *TASK_FIELDS])
    row = "(" + ", ".join(["%s"] * (len(TASK_FIELDS) + 1)) + ")"
    params = [now]
    for task in tasks:
        params += [task.pk, *(getattr(task, name) for name in TASK_FIELDS)]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {sets}, version = t.version + 1, updated_at = %s "
            f"FROM (VALUES {', '.join([row] * len(tasks))}) AS v({columns}) "
            "WHERE t.id = v.id",
            params,
        )


def _actuals(task):
    """As ``projects.services.actuals_for_forecast`` (copied: a migration keeps its own):
    a task under way or done without recorded actual days counts from its planned days."""
    if task.status == "todo":
        return None, None
    start = task.actual_start or task.planned_start
    if task.status != "done":
        return start, None
    finish = task.actual_finish or task.planned_finish
    if start and finish and finish < start:
        start = finish
    return start, finish


def _migrate_project(apps, schema_editor, project, calendar, today):
    Task = apps.get_model("projects", "Task")
    Dependency = apps.get_model("projects", "Dependency")
    Milestone = apps.get_model("projects", "Milestone")
    Project = apps.get_model("projects", "Project")
    tasks = list(Task.objects.filter(project_id=project.pk).order_by("pk"))
    links = [
        scheduling.LinkSpec(*row)
        for row in Dependency.objects.filter(project_id=project.pk).values_list(
            "predecessor_id", "successor_id", "kind", "lag_days"
        )
    ]
    specs = [
        scheduling.TaskSpec(t.pk, t.duration_days, t.title, t.start_no_earlier_than, *_actuals(t))
        for t in tasks
    ]
    try:
        plan = scheduling.schedule(specs, links, start=project.start_date, calendar=calendar)
        future = scheduling.forecast(
            specs,
            links,
            start=project.start_date,
            today=today if project.status in OPEN else None,
            calendar=calendar,
        )
    except (scheduling.CycleError, scheduling.BeyondCalendarError):
        return  # a plan the services would refuse: left as it is
    start_day = calendar.roll_forward(project.start_date)
    now = timezone.now()
    old_baselines = {t.pk: t.baseline_finish for t in tasks}
    old_planned = {t.pk: t.planned_finish for t in tasks}
    changed = []
    for task in tasks:
        planned, expected = plan.tasks[task.pk], future.tasks[task.pk]
        before = tuple(getattr(task, name) for name in TASK_FIELDS)
        task.planned_start, task.planned_finish = planned.start, planned.finish
        task.total_float, task.is_critical = planned.total_float, planned.is_critical
        task.forecast_start, task.forecast_finish = expected.start, expected.finish
        if (
            task.duration_days == 0
            and planned.finish_driven
            and task.baseline_finish is not None
            and task.baseline_finish > start_day
        ):
            moved = _previous_working_day(calendar, task.baseline_finish)
            task.baseline_start = task.baseline_finish = moved
        if tuple(getattr(task, name) for name in TASK_FIELDS) != before:
            changed.append(task)
    _update_tasks(schema_editor, Task, changed, now)

    by_milestone = defaultdict(list)
    for task in tasks:
        if task.milestone_id:
            by_milestone[task.milestone_id].append(task)
    milestones = []
    for milestone in Milestone.objects.filter(pk__in=list(by_milestone)):
        own = by_milestone[milestone.pk]
        was_baseline = _latest(old_baselines[t.pk] for t in own)
        was_due = _latest(old_planned[t.pk] for t in own)
        before = (milestone.baseline_date, milestone.due_date)
        if was_baseline is not None and milestone.baseline_date == was_baseline:
            milestone.baseline_date = _latest(t.baseline_finish for t in own)
        if was_due is not None and milestone.due_date == was_due:
            milestone.due_date = _latest(t.planned_finish for t in own)
        if (milestone.baseline_date, milestone.due_date) != before:
            milestones.append(milestone)
    for milestone in milestones:
        milestone.updated_at = now
    Milestone.objects.bulk_update(milestones, ["baseline_date", "due_date", "updated_at"])

    fields = ["planned_finish", "forecast_finish", "at_risk", "baseline_finish"]
    before = tuple(getattr(project, name) for name in fields)
    was_baseline = _latest(old_baselines.values())
    if was_baseline is not None and project.baseline_finish == was_baseline:
        project.baseline_finish = _latest(t.baseline_finish for t in tasks)
    project.planned_finish = plan.finish
    project.forecast_finish = future.finish
    project.at_risk = bool(
        project.promised_date and future.finish and future.finish > project.promised_date
    )
    if tuple(getattr(project, name) for name in fields) != before:
        Project.objects.filter(pk=project.pk).update(
            **{name: getattr(project, name) for name in fields},
            version=F("version") + 1,
            updated_at=now,
        )


def reschedule_all(apps, schema_editor):
    Holiday = apps.get_model("projects", "Holiday")
    Project = apps.get_model("projects", "Project")
    calendar = scheduling.WorkingCalendar(Holiday.objects.values_list("date", flat=True))
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    projects = Project.objects.order_by("pk").only(
        "pk",
        "start_date",
        "status",
        "promised_date",
        "planned_finish",
        "forecast_finish",
        "at_risk",
        "baseline_finish",
    )
    for project in projects.iterator(chunk_size=500):
        _migrate_project(apps, schema_editor, project, calendar, today)


class Migration(migrations.Migration):
    dependencies = [("projects", "0008_forecasts_and_corrections")]

    operations = [migrations.RunPython(reschedule_all, migrations.RunPython.noop, elidable=True)]
