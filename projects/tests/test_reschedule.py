"""The reschedule writes only the tasks whose plan changed, in one statement (issue 12)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import Milestone, Task
from projects.tests.factories import MONDAY, bulk_plan
from records import EditConflict

pytestmark = pytest.mark.django_db


def _updates(ctx: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]


def _state(project) -> dict[str, tuple]:
    return {
        t.title: (t.planned_start, t.planned_finish, t.total_float, t.is_critical, t.version)
        for t in Task.objects.filter(project=project)
    }


@pytest.fixture
def two_chains(lead):
    project = services.project_create(by=lead, name="Two", delivery_lead=lead, start_date=MONDAY)
    chains = bulk_plan(project, chains=2, length=3)
    # C1 is the longer branch: its first task takes 3 days (Mon 2 to Wed 4 March).
    services.task_update(by=lead, task=chains[0][0], duration_days=3)
    return project, chains


def test_a_reschedule_bumps_exactly_the_tasks_whose_plan_changed(lead, two_chains):
    project, chains = two_chains
    before = _state(project)
    assert before == {
        "C1.1": (date(2026, 3, 2), date(2026, 3, 4), 0, True, 3),
        "C1.2": (date(2026, 3, 5), date(2026, 3, 5), 0, True, 2),
        "C1.3": (date(2026, 3, 6), date(2026, 3, 6), 0, True, 2),
        # C2 kept its dates but gained float when C1 grew: a new version each.
        "C2.1": (date(2026, 3, 2), date(2026, 3, 2), 2, False, 2),
        "C2.2": (date(2026, 3, 3), date(2026, 3, 3), 2, False, 2),
        "C2.3": (date(2026, 3, 4), date(2026, 3, 4), 2, False, 2),
    }
    with CaptureQueriesContext(connection) as ctx:
        services.task_update(by=lead, task=chains[0][0], version=before["C1.1"][4], duration_days=5)
    # The edited task is saved (save_row), then every task whose plan changed in one UPDATE.
    assert len(_updates(ctx, "projects_task")) == 2
    assert len(_updates(ctx, "projects_project")) == 1
    assert _state(project) == {
        # C1 moved two working days: new dates, a new version (C1.1: its edit and its dates).
        "C1.1": (date(2026, 3, 2), date(2026, 3, 6), 0, True, 5),
        "C1.2": (date(2026, 3, 9), date(2026, 3, 9), 0, True, 3),
        "C1.3": (date(2026, 3, 10), date(2026, 3, 10), 0, True, 3),
        # C2 kept its dates; its float (from the later finish) changed: a new version, as
        # API.md says of changes Relay makes itself.
        "C2.1": (date(2026, 3, 2), date(2026, 3, 2), 4, False, 3),
        "C2.2": (date(2026, 3, 3), date(2026, 3, 3), 4, False, 3),
        "C2.3": (date(2026, 3, 4), date(2026, 3, 4), 4, False, 3),
    }


def test_a_reschedule_that_moves_nothing_writes_no_task(lead, two_chains):
    project, _ = two_chains
    before = _state(project)
    with CaptureQueriesContext(connection) as ctx:
        services.project_update(by=lead, project=project, promised_date=date(2026, 3, 5))
    assert _updates(ctx, "projects_task") == []
    assert _state(project) == before
    project.refresh_from_db()
    assert (project.planned_finish, project.at_risk) == (date(2026, 3, 6), True)


def test_a_float_change_is_a_new_version_an_older_form_is_refused(lead, two_chains):
    _, chains = two_chains
    other = Task.objects.get(pk=chains[1][1].pk)
    services.task_update(by=lead, task=chains[0][0], duration_days=6)
    with pytest.raises(EditConflict):
        services.task_update(by=lead, task=other, version=other.version, title="Renamed")
    fresh = Task.objects.get(pk=other.pk)
    assert (fresh.title, fresh.total_float, fresh.version) == ("C2.2", 5, other.version + 1)


@pytest.mark.parametrize("length", [5, 50])
def test_an_edit_that_reschedules_runs_the_same_queries_at_any_size(
    lead, length, django_assert_num_queries
):
    project = services.project_create(by=lead, name="Big", delivery_lead=lead, start_date=MONDAY)
    chains = bulk_plan(project, chains=4, length=length)
    task = Task.objects.select_related("project").get(pk=chains[0][0].pk)
    # savepoint, lock the project, lock the task, check its project exists, save it; the
    # reschedule: lock the project, read tasks, links and holidays, one UPDATE of the moved
    # tasks, one of the project; read the task back; release the savepoint
    with django_assert_num_queries(13):
        services.task_update(by=lead, task=task, version=task.version, duration_days=2)
    versions = dict(Task.objects.filter(project=project).values_list("pk", "version"))
    # The edited task (its edit and its new finish), the rest of its chain (moved), and
    # the other chains (same dates, but float now that chain 1 is longer).
    assert [[versions[t.pk] for t in chain] for chain in chains] == [
        [3] + [2] * (length - 1),
        *[[2] * length] * 3,
    ]


def test_template_milestones_are_dated_by_their_tasks_in_one_update(lead, standard_template):
    with CaptureQueriesContext(connection) as ctx:
        project = services.project_create_from_template(
            by=lead,
            template=standard_template,
            name="Acme",
            start_date=MONDAY,
            delivery_lead=lead,
        )
    dated = [sql for sql in _updates(ctx, "projects_milestone") if 'SET "due_date" =' in sql]
    assert len(dated) == 1
    assert all(m.due_date for m in Milestone.objects.filter(project=project, tasks__isnull=False))


def test_keeping_the_baseline_is_one_update_per_table(lead):
    project = services.project_create(by=lead, name="Big", delivery_lead=lead, start_date=MONDAY)
    chains = bulk_plan(project, chains=4, length=100)
    with CaptureQueriesContext(connection) as ctx:
        services.project_set_baseline(by=lead, project=project)
    assert len(_updates(ctx, "projects_task")) == 1
    assert len(_updates(ctx, "projects_milestone")) == 1
    last = Task.objects.get(pk=chains[3][99].pk)
    assert (last.baseline_start, last.baseline_finish) == (date(2026, 7, 17), date(2026, 7, 17))
    assert not Task.objects.filter(project=project, baseline_finish__isnull=True).exists()
