"""Project pages in the viewer's time zone and the house formats (accounts.formats)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from projects import services
from projects.models import Holiday

# 19:15 UTC on Wednesday 2 December 2026: 20:15 in Berlin, 00:45 on 3 December in Kolkata.
COMMENTED = dt.datetime(2026, 12, 2, 19, 15, tzinfo=dt.UTC)


@pytest.fixture
def comment(project, add_task, lead, member, time_machine):
    task = add_task("Wireframes", days=3)
    time_machine.move_to(COMMENTED, tick=False)
    return services.comment_create(by=lead, task=task, body="Header first, please.")


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Europe/Berlin", "2 Dec 2026, 20:15"),
        ("Asia/Kolkata", "3 Dec 2026, 00:45"),
        ("UTC", "2 Dec 2026, 19:15"),
    ],
)
def test_a_comments_time_reads_in_the_viewers_zone(client, comment, member, zone, shown):
    member.time_zone = zone
    member.save(update_fields=["time_zone"])
    client.force_login(member)
    html = client.get(reverse("projects:task-detail", args=[comment.task_id])).content.decode()
    assert (
        f'<time datetime="{comment.created_at.astimezone(member.zone).isoformat()}" '
        f'title="{zone} time">{shown}</time>'
    ) in html


def test_project_and_task_pages_show_dates_the_house_way(client, project, add_task, member):
    task = add_task("Wireframes", days=3)  # Monday 2 to Wednesday 4 March 2026
    client.force_login(member)
    page = client.get(reverse("projects:project-detail", args=[project.pk])).content.decode()
    assert "<dt>Kickoff</dt><dd>2 Mar 2026</dd>" in page
    assert "<dt>Planned finish</dt><dd>4 Mar 2026</dd>" in page
    assert '<td data-label="Start">2 Mar</td>' in page
    assert '<td data-label="Finish">4 Mar</td>' in page
    detail = client.get(reverse("projects:task-detail", args=[task.pk])).content.decode()
    assert "<dt>Planned</dt><dd>2 Mar 2026 to 4 Mar 2026 (3 working days)</dd>" in detail
    listed = client.get(reverse("projects:project-list")).content.decode()
    assert '<td data-label="Kickoff">2 Mar 2026</td>' in listed


def test_the_timeline_says_its_dates_the_house_way(client, project, add_task, member):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):  # forecast = plan
        add_task("Wireframes", days=3)  # Monday 2 to Wednesday 4 March 2026
    client.force_login(member)
    html = client.get(reverse("projects:project-timeline", args=[project.pk])).content.decode()
    assert "<title>Wireframes: 2 Mar to 4 Mar · critical</title>" in html
    assert "1 task from 2 Mar 2026 to 4 Mar 2026; the critical path is Wireframes." in html


def test_a_holiday_names_its_day_the_house_way():
    assert str(Holiday(date=dt.date(2026, 4, 6), name="Easter Monday")) == (
        "Easter Monday (6 Apr 2026)"
    )
