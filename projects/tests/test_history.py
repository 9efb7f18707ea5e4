"""Learning per template (issue 15): actual durations of template tasks from finished
projects, and the Monte Carlo forecast made from them."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import selectors
from projects.models import Holiday, ProjectStatus, Task
from projects.tests.factories import finished_project, small_template

pytestmark = pytest.mark.django_db

MAR = {day: date(2026, 3, day) for day in range(1, 32)}


@pytest.fixture
def history_world(lead):
    """Three finished projects of "Small", a holiday on Tuesday 3 March, and projects that
    must not count."""
    Holiday.objects.create(date=MAR[3], name="A day off")
    small = small_template()
    # Design 2, 3, 4 working days; Build 5, 6, 9; the whole project 7, 9, 13.
    for design, build in (
        ((MAR[2], MAR[4]), (MAR[5], MAR[11])),
        ((MAR[2], MAR[5]), (MAR[6], MAR[13])),
        ((MAR[2], MAR[6]), (MAR[9], MAR[19])),
    ):
        finished_project(small, lead, {"Design": design, "Build": build})
    # Not history: an active project, a done one without actual dates, another template.
    finished_project(small, lead, {"Design": (MAR[2], MAR[31])}, status=ProjectStatus.ACTIVE)
    finished_project(small, lead, {})
    other = small_template("Other")
    finished_project(other, lead, {"Design": (MAR[2], MAR[2])})
    return small, other


def test_template_statistics_count_working_days_of_finished_projects(history_world):
    small, other = history_world
    history = selectors.template_histories([small.pk, other.pk])
    rows = [
        (t.title, t.planned_days, t.durations, t.count, t.median, t.p80)
        for t in history[small.pk].tasks
    ]
    assert rows == [
        ("Design", 3, (2, 3, 4), 3, 3, 4),
        ("Build", 5, (5, 6, 9), 3, 6, 9),
        ("Launch", 0, (), 0, None, None),
    ]
    assert history[small.pk].project_days == (7, 9, 13)
    assert history[small.pk].median_project_days == 9
    assert (history[small.pk].project_count, history[small.pk].enough) == (3, False)
    assert [t.durations for t in history[other.pk].tasks] == [(1,), (), ()]


def test_a_renamed_or_added_task_counts_for_no_template_task(history_world, lead):
    small, _ = history_world
    project = finished_project(small, lead, {"Design": (MAR[2], MAR[2]), "Build": (MAR[4], MAR[4])})
    Task.objects.filter(project=project, title="Build").update(title="Build it")
    Task.objects.create(
        project=project, title="Design", position=7, actual_start=MAR[2], actual_finish=MAR[4]
    )
    history = selectors.template_histories([small.pk])[small.pk]
    assert [t.durations for t in history.tasks] == [(2, 3, 4, 1), (5, 6, 9), ()]
    # The project still counts, over all its actual days: Monday 2 to Wednesday 4 March.
    assert history.project_days == (7, 9, 13, 2)


def test_the_nth_of_same_named_tasks_matches_the_nth(lead):
    from projects.models import TemplateTask

    twice = small_template("Twice")
    TemplateTask.objects.filter(template=twice, title="Build").update(title="Design", position=0)
    finished_project(twice, lead, {})
    project = twice.projects.get()
    first, second = Task.objects.filter(project=project, title="Design").order_by("pk")
    Task.objects.filter(pk=first.pk).update(actual_start=MAR[2], actual_finish=MAR[2])
    Task.objects.filter(pk=second.pk).update(actual_start=MAR[2], actual_finish=MAR[4])
    history = selectors.template_histories([twice.pk])[twice.pk]
    assert [(t.title, t.durations) for t in history.tasks] == [
        ("Design", (1,)),
        ("Design", (3,)),
        ("Launch", ()),
    ]


def test_template_statistics_take_four_queries_however_many_projects(
    history_world, lead, django_assert_num_queries
):
    small, other = history_world
    with django_assert_num_queries(4):
        selectors.template_histories([small.pk, other.pk])
    finished_project(small, lead, {"Design": (MAR[2], MAR[2])})
    finished_project(other, lead, {"Build": (MAR[2], MAR[2])})
    with django_assert_num_queries(4):
        history = selectors.template_histories([small.pk, other.pk])
    assert (history[small.pk].project_count, history[other.pk].project_count) == (4, 2)


def test_history_learns_from_the_latest_finished_projects_only(history_world, lead, monkeypatch):
    small, _ = history_world
    monkeypatch.setattr(selectors, "HISTORY_PROJECTS", 2)
    history = selectors.template_histories([small.pk])[small.pk]
    # The latest two finished projects: the one without actuals and the 13-day one.
    assert history.project_days == (13,)


def test_no_forecast_under_five_finished_projects(history_world):
    small, _ = history_world
    assert selectors.MIN_FINISHED_PROJECTS == 5
    assert selectors.template_forecast(small, MAR[2], MAR[31]) is None


def test_the_forecast_samples_the_actual_durations(history_world, lead):
    small, _ = history_world
    # Two more finished projects, both 2 days of design and 5 of build: five in all.
    for _ in range(2):
        finished_project(small, lead, {"Design": (MAR[4], MAR[5]), "Build": (MAR[6], MAR[12])})
    forecast = selectors.template_forecast(small, MAR[2], MAR[13])
    assert forecast is not None
    assert (forecast.history_count, forecast.runs) == (5, 2000)
    # Design took 2 days in 3 of 5 projects, 3 or 4 in one each; Build 5 in 3 of 5, 6 or 9
    # in one each. From Monday 2 March with Tuesday off, Friday 13 March is the 9th working
    # day, so on time is d + b <= 9: (2, 5) 9/25, (2, 6) 3/25, (3, 5) 3/25, (3, 6) 1/25,
    # (4, 5) 3/25: 19/25 = 0.76. Over 2,000 runs the standard error is
    # sqrt(0.76 * 0.24 / 2000) = 0.0095; 0.03 is over three (and the seed is fixed).
    assert forecast.probability == pytest.approx(0.76, abs=0.03)
    # d + b is 7 with chance 9/25 and at most 8 with 15/25: the P50 is the 8th working day.
    assert forecast.p50_finish == MAR[12]


def test_the_template_admin_shows_count_median_and_80th_percentile(
    client, admin_user, history_world, lead
):
    small, _ = history_world
    client.force_login(admin_user)
    url = reverse("admin:projects_projecttemplate_change", args=[small.pk])
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 200
    assert "From 3 finished projects (5 needed for the promise check" in text
    assert "<tr><td>Design</td><td>3</td><td>3</td><td>3</td><td>4</td></tr>" in text
    assert "<tr><td>Build</td><td>5</td><td>3</td><td>6</td><td>9</td></tr>" in text
    assert "<tr><td>Launch</td><td>0</td><td>milestone</td><td>—</td><td>—</td></tr>" in text
    # The statistics' queries do not grow with the history.
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    finished_project(small, lead, {"Design": (MAR[2], MAR[2])})
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
