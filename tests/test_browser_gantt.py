"""A delivery lead reads a slipped plan: the Gantt's today line, promise and baseline bars
(also on a phone, where only the chart scrolls), and the variance chart drawn with its data.
Screenshots go to /tmp/shots-gantt/ for a human to look at."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from projects import services
from projects.tests.factories import ProjectFactory
from tests.browser import OVERFLOWS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-gantt")


def slipped_project(lead, member):
    """From next week's Monday: Design 3 d then Build 2 d, kept as baseline; then Design
    grows by 2 working days (so both finish 2 days late); promised in 3 weeks. Nothing is
    under way or behind yet, so the forecast is the plan whatever today's weekday."""
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    project = services.project_create(
        by=lead,
        name="Shop relaunch",
        delivery_lead=lead,
        start_date=monday,
        members=[member],
        promised_date=monday + dt.timedelta(weeks=3),
    )
    design = services.task_create(by=lead, project=project, title="Design", duration_days=3)
    build = services.task_create(by=lead, project=project, title="Build", duration_days=2)
    services.dependency_create(by=lead, successor=build, predecessor=design)
    project = services.project_set_baseline(by=lead, project=project)
    services.task_update(by=lead, task=design, duration_days=5)
    return project


def test_the_timeline_shows_today_the_promise_and_baselines_on_a_laptop_and_a_phone(
    page: Page, live_server
):
    SHOTS.mkdir(exist_ok=True)
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    member = UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    project = slipped_project(lead, member)
    today = timezone.localdate()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/projects/{project.pk}/timeline/")
    chart = page.locator("svg.gantt")
    expect(chart.locator(".marker-today text")).to_have_text(f"Today {today:%-d %b %Y}")
    promised = project.promised_date
    expect(chart.locator(".marker-promised text")).to_have_text(f"Promised {promised:%-d %b %Y}")
    expect(chart.locator("rect.baseline")).to_have_count(2)
    expect(chart.locator("text.slip-label")).to_have_text(["2 d late", "2 d late"])
    page.get_by_text("Show the timeline as a table").click()
    expect(page.locator(".gantt-table tbody tr")).to_have_count(2)
    page.screenshot(path=SHOTS / "timeline-laptop.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(chart.locator("rect.baseline")).to_have_count(2)
    # The page never scrolls sideways; the chart scrolls inside its own box.
    assert page.evaluate(OVERFLOWS) == []
    wrap = page.locator(".gantt-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth") is True
    page.screenshot(path=SHOTS / "timeline-phone.png", full_page=True)
    assert errors == []


def test_the_variance_chart_is_drawn_with_each_projects_working_days(page: Page, live_server):
    SHOTS.mkdir(exist_ok=True)
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    base = timezone.localdate() + dt.timedelta(days=30)
    # A week later is five working days whatever the weekday (no holidays here).
    for name, weeks in (("Late by two weeks", 2), ("Late by a week", 1), ("Early", -1)):
        ProjectFactory(
            name=name,
            delivery_lead=lead,
            status="active",
            baseline_finish=base,
            planned_finish=base + dt.timedelta(weeks=weeks),
            forecast_finish=base + dt.timedelta(weeks=weeks),  # the variance is the forecast's
        )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/dashboards/delivery/")
    canvas = page.locator('canvas[data-chart="chart-variance"]')
    expect(canvas).to_have_attribute("data-drawn", "true")
    data = canvas.evaluate(
        "c => { const d = Chart.getChart(c).data;"
        " return {labels: d.labels, values: d.datasets[0].data}; }"
    )
    assert data == {
        "labels": ["Late by two weeks", "Late by a week", "Early"],
        "values": [10, 5, -5],
    }
    page.locator("#widget-variance").screenshot(path=SHOTS / "variance-laptop.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(canvas).to_have_attribute("data-drawn", "true")
    assert page.evaluate(OVERFLOWS) == []
    page.locator("#widget-variance").screenshot(path=SHOTS / "variance-phone.png")
    assert errors == []
