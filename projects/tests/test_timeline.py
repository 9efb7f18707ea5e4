"""The Gantt's dated lines (today, the promise), baseline bars and late tasks."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from projects import services
from projects.models import Holiday
from projects.scheduling import WorkingCalendar
from projects.tests.factories import MONDAY, bulk_plan

pytestmark = pytest.mark.django_db

WEDNESDAY = "2026-03-04 10:00:00+00:00"


def test_working_days_variance_counts_working_days_either_way():
    calendar = WorkingCalendar([date(2026, 3, 10)])
    assert calendar.working_days_variance(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Fri -> Mon
    assert calendar.working_days_variance(date(2026, 3, 6), date(2026, 3, 11)) == 2  # a holiday
    assert calendar.working_days_variance(date(2026, 3, 11), date(2026, 3, 6)) == -2
    assert calendar.working_days_variance(date(2026, 3, 6), date(2026, 3, 6)) == 0


@pytest.fixture
def slipped(lead, member):
    """Design (3 d) then Build (2 d) from Monday 2 March, kept as baseline; then Design
    grows by 2 working days, so both finish 2 working days late; Side job has no baseline.
    Made on Monday morning, so the forecast is the plan."""
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        return _slipped(lead, member)


def _slipped(lead, member):
    project = services.project_create(
        by=lead,
        name="Website",
        delivery_lead=lead,
        start_date=MONDAY,
        members=[member],
        promised_date=date(2026, 3, 9),
    )
    design = services.task_create(by=lead, project=project, title="Design", duration_days=3)
    build = services.task_create(by=lead, project=project, title="Build", duration_days=2)
    services.dependency_create(by=lead, successor=build, predecessor=design)
    project = services.project_set_baseline(by=lead, project=project)
    services.task_update(by=lead, task=design, duration_days=5)
    services.task_create(by=lead, project=project, title="Side job", duration_days=1)
    return project


def timeline(client, user, project) -> str:
    client.force_login(user)
    response = client.get(reverse("projects:project-timeline", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_timeline_draws_today_the_promise_and_the_baselines(client, member, slipped):
    text = timeline(client, member, slipped)
    # Days from Monday 2 March; a line runs down the middle of its day's column (22 px).
    assert (
        '<g class="marker marker-today"><line x1="285" y1="44" x2="285" y2="160"/>'
        '<text x="289" y="57" text-anchor="start">Today 4 Mar 2026</text></g>'
    ) in text
    assert (
        '<g class="marker marker-promised"><line x1="395" y1="62" x2="395" y2="178"/>'
        '<text x="391" y="173" text-anchor="end">Promised 9 Mar 2026</text></g>'
    ) in text
    # One thin bar per task with a baseline, where the task was planned at kickoff.
    assert re.findall(r'<rect class="baseline" x="(\d+)" y="(\d+)" width="(\d+)"', text) == [
        ("232", "87", "62"),  # Design: 2-4 March
        ("298", "147", "40"),  # Build: 5-6 March, on the third row (after Side job)
    ]
    assert text.count(">2 d late</text>") == 2
    assert "Late against the baseline: Design (2 d late), Build (2 d late)." in text
    assert '<strong class="slip-count">2 tasks late</strong> against the baseline' in text
    # A group, not an image: the bars' links stay reachable by assistive technology.
    assert (
        'role="group" aria-labelledby="gantt-svg-title" aria-describedby="gantt-svg-desc"' in text
    )
    assert "Today: <strong>Wed 4 Mar 2026</strong>" in text
    assert "Promised: <strong>Mon 9 Mar 2026</strong>" in text
    # The table says the same in words, row by row.
    rows = re.findall(
        r'<tr>\s*<th scope="row" data-label="Task"><a [^>]+>([^<]+)</a></th>'
        r'.*?data-label="Against the baseline">(.*?)</td>',
        text,
        re.S,
    )
    assert rows == [
        ("Design", '<strong class="slip-count">2 d late</strong>'),
        ("Side job", "—"),
        ("Build", '<strong class="slip-count">2 d late</strong>'),
    ]


@time_machine.travel("2026-09-01 10:00:00+00:00", tick=False)
def test_a_day_far_from_the_plan_is_named_but_not_drawn(client, lead, slipped):
    services.project_update(by=lead, project=slipped, promised_date=date(2027, 3, 1))
    text = timeline(client, lead, slipped)
    assert 'class="marker ' not in text
    assert "Today: <strong>Tue 1 Sep 2026</strong> (outside this chart)" in text
    assert "Promised: <strong>Mon 1 Mar 2027</strong> (outside this chart)" in text
    # Without the lines the rows start right under the day labels, as before.
    assert '<rect class="baseline" x="232" y="69"' in text


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_plan_without_baseline_draws_no_baseline_bars(client, lead, project, add_task):
    add_task("Design", 3)
    text = timeline(client, lead, project)
    assert '<rect class="baseline"' not in text and "slip-label" not in text
    assert "No baseline kept yet." in text
    assert "Promised: <strong>none</strong>" in text
    assert ">Today 4 Mar 2026</text>" in text


@pytest.mark.parametrize("count", [40, 400])
def test_the_timeline_with_baselines_keeps_its_query_count(
    client, lead, project, count, django_assert_num_queries
):
    bulk_plan(project, chains=1, length=count)
    services.project_set_baseline(by=lead, project=project)
    Holiday.objects.create(date=date(2026, 3, 4), name="A day off")
    client.force_login(lead)
    # session, user, roles, project, members, task count, the page of tasks, their
    # blockers, the links among them, holidays, the critical tasks
    with django_assert_num_queries(11):
        response = client.get(reverse("projects:project-timeline", args=[project.pk]))
    assert response.content.decode().count('<rect class="baseline"') == min(count, 100)


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_timeline_measures_variance_to_the_forecast(client, lead, member, slipped):
    # Design (5 d) starts only on Wednesday: forecast to Tue 10 March, Build to Thu 12.
    design = slipped.tasks.get(title="Design")
    services.task_set_status(by=lead, task=design, status="in_progress")
    text = timeline(client, member, slipped)
    assert text.count(">4 d late</text>") == 2
    assert "Design: 2 Mar to 6 Mar · critical · forecast finish 10 Mar" in text
    assert "Late against the baseline: Design (4 d late), Build (4 d late)." in text
