"""Actuals (issue 15): recorded by status changes, corrected by the lead with a reason, and
the forecast that follows them (at-risk, R7). The project starts on Monday 2 March 2026."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from projects import services
from projects.models import ActualCorrection, DependencyKind, Project, Task, TaskStatus
from records import EditConflict

TUE, WED, THU, FRI = (date(2026, 3, d) for d in (3, 4, 5, 6))
MON, NEXT_MON, NEXT_TUE = date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 10)


def at(moment: str):
    return time_machine.travel(f"{moment}+00:00", tick=False)


def actuals(task):
    task.refresh_from_db()
    return (task.status, task.actual_start, task.actual_finish)


def forecast(task):
    task.refresh_from_db()
    return (task.forecast_start, task.forecast_finish)


def test_status_changes_record_the_actual_days_in_the_acting_users_zone(project, lead, add_task):
    lead.time_zone = "Pacific/Auckland"  # 13 hours ahead in March
    lead.save()
    with at("2026-03-02 08:00"):
        task = add_task("Build", 3)
    with at("2026-03-03 20:00"):  # Wednesday morning in Auckland
        services.task_set_status(by=lead, task=task, status=TaskStatus.IN_PROGRESS)
    assert actuals(task) == (TaskStatus.IN_PROGRESS, WED, None)
    with at("2026-03-05 09:00"):
        services.task_set_status(by=lead, task=task, status=TaskStatus.DONE)
    assert actuals(task) == (TaskStatus.DONE, WED, THU)
    with at("2026-03-05 10:00"):
        services.task_set_status(by=lead, task=task, status=TaskStatus.IN_PROGRESS)
    assert actuals(task) == (TaskStatus.IN_PROGRESS, WED, None)
    with at("2026-03-05 11:00"):
        services.task_set_status(by=lead, task=task, status=TaskStatus.TODO)
    assert actuals(task) == (TaskStatus.TODO, None, None)
    with at("2026-03-06 09:00"):  # straight to done: started and finished today
        services.task_update(by=lead, task=task, status=TaskStatus.DONE)
    assert actuals(task) == (TaskStatus.DONE, FRI, FRI)


def _late_world(project, lead, add_task):
    services.project_update(by=lead, project=project, promised_date=FRI)
    design = add_task("Design", 3)
    build = add_task("Build", 2)
    services.dependency_create(by=lead, successor=build, predecessor=design)
    return design, build


def test_a_late_task_moves_its_successors_and_sets_the_project_at_risk(project, lead, add_task):
    with at("2026-03-02 08:00"):
        design, build = _late_world(project, lead, add_task)
        services.task_set_status(by=lead, task=design, status=TaskStatus.IN_PROGRESS)
    project.refresh_from_db()
    assert (project.forecast_finish, project.at_risk) == (FRI, False)
    assert forecast(build) == (THU, FRI)
    version = build.version
    # Thursday: Design should have been done yesterday; the daily refresh moves Build.
    with at("2026-03-05 01:00"):
        assert services.forecasts_refresh() == 1
        assert services.forecasts_refresh() == 0  # nothing behind any more
    assert forecast(design) == (MON, THU)
    assert forecast(build) == (FRI, NEXT_MON)
    assert build.version == version + 1
    project.refresh_from_db()
    assert (project.planned_finish, project.baseline_finish) == (FRI, None)
    assert (project.forecast_finish, project.at_risk) == (NEXT_MON, True)
    assert (build.planned_start, build.planned_finish) == (THU, FRI)  # the plan stays


def test_an_early_finish_pulls_successors_in_only_as_the_links_allow(project, lead, add_task):
    with at("2026-03-02 08:00"):
        design = add_task("Design", 5)
        review = add_task("Review", 1)
        copy = add_task("Copy", 1)
        launch = add_task("Launch", 1, start_no_earlier_than=FRI)
        services.dependency_create(by=lead, successor=review, predecessor=design)
        services.dependency_create(
            by=lead, successor=copy, predecessor=design, kind=DependencyKind.SS, lag_days=3
        )
        services.dependency_create(by=lead, successor=launch, predecessor=design)
        services.task_set_status(by=lead, task=design, status=TaskStatus.IN_PROGRESS)
    assert [forecast(t) for t in (review, copy, launch)] == [
        (NEXT_MON, NEXT_MON),
        (THU, THU),
        (NEXT_MON, NEXT_MON),
    ]
    with at("2026-03-03 16:00"):
        services.task_set_status(by=lead, task=design, status=TaskStatus.DONE)
    assert forecast(design) == (MON, TUE)
    assert [forecast(t) for t in (review, copy, launch)] == [
        (WED, WED),  # FS: the day after the actual finish
        (THU, THU),  # SS +3 from the actual start still holds
        (FRI, FRI),  # start no earlier than Friday still holds
    ]
    project.refresh_from_db()
    assert (project.planned_finish, project.forecast_finish) == (NEXT_MON, FRI)


def test_nothing_is_forecast_in_the_past(project, lead, add_task):
    with at("2026-03-11 09:00"):  # Wednesday of the second week, nothing started
        task = add_task("Build", 2)
    assert (task.planned_start, task.planned_finish) == (MON, TUE)
    assert forecast(task) == (date(2026, 3, 11), date(2026, 3, 12))


def test_the_lead_corrects_actuals_with_a_reason_kept(project, lead, add_task):
    with at("2026-03-02 08:00"):
        design, build = _late_world(project, lead, add_task)
        services.task_set_status(by=lead, task=design, status=TaskStatus.DONE)
    design.refresh_from_db()
    with at("2026-03-06 09:00"):
        corrected = services.task_correct_actuals(
            by=lead,
            task=design,
            actual_start=MON,
            actual_finish=THU,
            reason=" Forgot to close it ",
            version=design.version,
        )
    assert (corrected.actual_start, corrected.actual_finish) == (MON, THU)
    assert forecast(design) == (MON, THU)
    assert forecast(build) == (FRI, NEXT_MON)  # not before today, after the real finish
    rows = list(
        ActualCorrection.objects.filter(task=design).values_list("field", "old", "new", "reason")
    )
    assert rows == [("actual_finish", MON, THU, "Forgot to close it")]
    project.refresh_from_db()
    assert project.at_risk is True


@pytest.mark.parametrize(
    ("start", "finish", "reason", "errors"),
    [
        (MON, TUE, "", {"reason": ["Say why the actual dates are corrected."]}),
        (
            MON,
            NEXT_MON,
            "late",
            {"actual_finish": ["Enter today (6 Mar 2026) or an earlier day."]},
        ),
        (WED, TUE, "typo", {"actual_finish": ["The finish cannot be before the start."]}),
        (
            date(1899, 12, 31),
            TUE,
            "typo",
            {"actual_start": ["Enter a date from 1900-01-01 to 2999-12-31."]},
        ),
        (None, TUE, "typo", {"actual_start": ["Enter the day this task started."]}),
        (MON, None, "typo", {"actual_finish": ["Enter the day this task was finished."]}),
        (MON, MON, "same", {"actual_start": ["These are the recorded dates already."]}),
    ],
)
def test_a_correction_is_refused_field_by_field_changing_nothing(
    project, lead, add_task, start, finish, reason, errors
):
    with at("2026-03-02 08:00"):
        task = add_task("Design", 1)
        services.task_set_status(by=lead, task=task, status=TaskStatus.DONE)
    before = Task.objects.values().get(pk=task.pk)
    with at("2026-03-06 09:00"), pytest.raises(ValidationError) as error:
        services.task_correct_actuals(
            by=lead, task=task, actual_start=start, actual_finish=finish, reason=reason
        )
    assert error.value.message_dict == errors
    assert Task.objects.values().get(pk=task.pk) == before
    assert ActualCorrection.objects.count() == 0


def test_actuals_must_fit_the_status(project, lead, add_task):
    with at("2026-03-02 08:00"):
        todo = add_task("Later", 1)
        busy = add_task("Busy", 1)
        services.task_set_status(by=lead, task=busy, status=TaskStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as error:
        services.task_correct_actuals(
            by=lead, task=todo, actual_start=MON, actual_finish=None, reason="x"
        )
    assert error.value.message_dict == {
        "actual_start": ["This task has not started; it has no actual dates."]
    }
    with pytest.raises(ValidationError) as error:
        services.task_correct_actuals(
            by=lead, task=busy, actual_start=MON, actual_finish=TUE, reason="x"
        )
    assert error.value.message_dict == {
        "actual_finish": ["This task is not done yet; it has no actual finish."]
    }


def test_only_the_lead_or_an_admin_corrects_actuals(project, lead, member, admin_user, add_task):
    with at("2026-03-02 08:00"):
        task = add_task("Design", 2, assignee=member)
        services.task_set_status(by=member, task=task, status=TaskStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.task_correct_actuals(
            by=member, task=task, actual_start=TUE, actual_finish=None, reason="mine"
        )
    assert actuals(task) == (TaskStatus.IN_PROGRESS, MON, None)
    services.task_correct_actuals(
        by=admin_user, task=task, actual_start=TUE, actual_finish=None, reason="admin fix"
    )
    assert actuals(task) == (TaskStatus.IN_PROGRESS, TUE, None)
    with pytest.raises(EditConflict):
        services.task_correct_actuals(
            by=lead, task=task, actual_start=MON, actual_finish=None, reason="x", version=1
        )
    assert ActualCorrection.objects.get().by == admin_user


def test_a_closed_project_is_not_refreshed(project, lead, add_task):
    with at("2026-03-02 08:00"):
        add_task("Build", 2)
        services.project_update(by=lead, project=project, status="cancelled")
    with at("2026-03-20 08:00"):
        assert services.forecasts_refresh() == 0
    project.refresh_from_db()
    assert project.forecast_finish == TUE
    assert Project.objects.get(pk=project.pk).at_risk is False


def test_beat_refreshes_forecasts_daily(project, lead, add_task, settings):
    from projects.tasks import refresh_forecasts

    entry = settings.CELERY_BEAT_SCHEDULE["projects-refresh-forecasts"]
    assert entry["task"] == refresh_forecasts.name == "projects.tasks.refresh_forecasts"
    with at("2026-03-02 08:00"):
        task = add_task("Build", 2)
    with at("2026-03-04 00:05"):
        assert refresh_forecasts() == 1
        assert refresh_forecasts() == 0
    assert forecast(task) == (WED, THU)


def test_the_refresh_command_runs_the_same_job(project, add_task):
    from io import StringIO

    from django.core.management import call_command

    with at("2026-03-02 08:00"):
        task = add_task("Build", 2)
    Task.objects.filter(pk=task.pk).update(forecast_start=None, forecast_finish=None)
    out = StringIO()
    with at("2026-03-02 09:00"):
        call_command("refresh_forecasts", stdout=out)
    assert out.getvalue() == "Refreshed the forecasts of 1 project(s).\n"
    assert forecast(task) == (MON, TUE)


def test_a_holiday_after_the_plan_but_within_the_forecast_moves_the_forecast(
    project, lead, admin_user, add_task
):
    with at("2026-03-02 08:00"):
        task = add_task("Build", 2)  # planned Monday and Tuesday
    with at("2026-03-09 08:00"):  # nothing started a week later: forecast 9-10 March
        services.forecasts_refresh()
        assert forecast(task) == (NEXT_MON, NEXT_TUE)
        services.holiday_create(by=admin_user, day=NEXT_TUE, name="Strike")
    assert forecast(task) == (NEXT_MON, date(2026, 3, 11))


def test_tasks_done_or_under_way_without_recorded_actuals_count_as_planned(project, lead, add_task):
    with at("2026-03-02 08:00"):
        design = add_task("Design", 2)
        build = add_task("Build", 3)
        services.dependency_create(by=lead, successor=build, predecessor=design)
    # Rows written in bulk (or before actuals were recorded): statuses without actual days.
    Task.objects.filter(pk=design.pk).update(status=TaskStatus.DONE)
    Task.objects.filter(pk=build.pk).update(status=TaskStatus.IN_PROGRESS)
    with at("2026-03-05 08:00"), transaction.atomic():
        services.project_reschedule(project=project)
    assert forecast(design) == (MON, TUE)
    assert forecast(build) == (WED, FRI)
