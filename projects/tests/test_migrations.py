"""The data migration of issue 15: plans and baselines to the milestone convention."""

from datetime import date
from importlib import import_module

import time_machine
from django.apps import apps
from django.db import connection

from projects import services
from projects.models import Milestone, Project, Task, TaskStatus

migration = import_module("projects.migrations.0009_milestone_convention")


def run_migration():
    with connection.schema_editor() as editor:
        migration.reschedule_all(apps, editor)


MON, WED, THU = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 5)


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)
def test_plans_and_baselines_move_to_the_milestone_convention(lead, standard_template):
    project = services.project_create(
        by=lead, name="P", delivery_lead=lead, start_date=MON, promised_date=WED
    )
    milestone = services.milestone_create(by=lead, project=project, name="Done")
    build = services.task_create(by=lead, project=project, title="Build", duration_days=3)
    done = services.task_create(
        by=lead, project=project, title="Done", duration_days=0, milestone=milestone
    )
    services.dependency_create(by=lead, successor=done, predecessor=build)
    services.project_set_baseline(by=lead, project=project)
    # The state the old convention left: the milestone on Thursday, the day after Build.
    old = {"planned_start": THU, "planned_finish": THU, "baseline_start": THU}
    Task.objects.filter(pk=done.pk).update(**old, baseline_finish=THU, forecast_start=None)
    Milestone.objects.filter(pk=milestone.pk).update(due_date=THU, baseline_date=THU)
    Project.objects.filter(pk=project.pk).update(
        planned_finish=THU, baseline_finish=THU, forecast_finish=None, at_risk=True
    )
    untouched = services.project_create(by=lead, name="Q", delivery_lead=lead, start_date=MON)
    services.task_create(by=lead, project=untouched, title="One", duration_days=1)
    versions = dict(Task.objects.values_list("pk", "version"))
    q_version = Project.objects.get(pk=untouched.pk).version

    run_migration()

    done.refresh_from_db()
    assert (done.planned_start, done.planned_finish) == (WED, WED)
    assert (done.baseline_start, done.baseline_finish) == (WED, WED)
    assert (done.forecast_start, done.forecast_finish) == (WED, WED)
    assert done.version == versions[done.pk] + 1
    assert Task.objects.get(pk=build.pk).version == versions[build.pk]  # nothing moved
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.baseline_date) == (WED, WED)
    project.refresh_from_db()
    assert (project.planned_finish, project.baseline_finish, project.forecast_finish) == (
        WED,
        WED,
        WED,
    )
    assert project.at_risk is False  # the promise (Wednesday) is kept after all
    assert Project.objects.get(pk=untouched.pk).version == q_version


@time_machine.travel("2026-03-09 08:00:00+00:00", tick=False)
def test_the_migration_forecasts_from_actuals(lead):
    project = services.project_create(
        by=lead, name="P", delivery_lead=lead, start_date=MON, promised_date=date(2026, 3, 6)
    )
    task = services.task_create(by=lead, project=project, title="Build", duration_days=2)
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.IN_PROGRESS, actual_start=MON, forecast_start=None, forecast_finish=None
    )
    Project.objects.filter(pk=project.pk).update(forecast_finish=None, at_risk=False)
    run_migration()
    task.refresh_from_db()
    assert (task.forecast_start, task.forecast_finish) == (MON, date(2026, 3, 9))
    project.refresh_from_db()
    assert (project.forecast_finish, project.at_risk) == (date(2026, 3, 9), True)
