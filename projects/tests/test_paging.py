"""Project pages at size (issue 12): the task list paged, the board per column, the Gantt
a page of rows at a time; exactly which tasks each shows."""

import re

import pytest
from django.urls import reverse

from projects import services
from projects.models import Task, TaskStatus
from projects.tests.factories import MONDAY, bulk_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(lead):
    """One chain of 230 one-day tasks C1.1 ... C1.230: plan order is step order."""
    project = services.project_create(by=lead, name="Big", delivery_lead=lead, start_date=MONDAY)
    bulk_plan(project, chains=1, length=230)
    return project


def steps(first: int, last: int) -> list[str]:
    return [f"C1.{n}" for n in range(first, last + 1)]


def listed(html: str) -> list[str]:
    return re.findall(
        r'<td data-label="Task"><span class="cell-stack"><a href="/projects/tasks/\d+/">([^<]+)</a>',
        html,
    )


def test_the_task_list_shows_twenty_five_tasks_a_page_in_plan_order(client, lead, big):
    client.force_login(lead)
    url = reverse("projects:project-detail", args=[big.pk])
    first = client.get(url).content.decode()
    assert listed(first) == steps(1, 25)
    assert "Tasks 1\N{EN DASH}25 of 230, in plan order." in first
    assert ">Next tasks</a>" in first and "Previous tasks" not in first
    last = client.get(url, {"page": 10}).content.decode()
    assert listed(last) == steps(226, 230)
    assert "Page 10 of 10" in last and "Next tasks" not in last
    # An htmx page answers the table alone.
    fragment = client.get(url, {"page": 2}, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="task-table"')
    assert listed(fragment) == steps(26, 50)
    # Past the end, the last page; not a number, the first (as every list).
    assert listed(client.get(url, {"page": 99}).content.decode()) == steps(226, 230)
    assert listed(client.get(url, {"page": "x"}).content.decode()) == steps(1, 25)


def cards(html: str, status: str) -> list[str]:
    column = html.split(f'id="board-column-{status}"')[1].split("</section>")[0]
    return re.findall(
        r'<a class="task-title" id="task-\d+-title" href="/projects/tasks/\d+/">([^<]+)</a>', column
    )


def test_the_board_shows_fifty_cards_a_column_and_more_on_request(client, lead, big):
    Task.objects.filter(title__in=steps(1, 3)).update(status=TaskStatus.DONE)
    Task.objects.filter(title="C1.4").update(status=TaskStatus.IN_PROGRESS)
    client.force_login(lead)
    url = reverse("projects:project-board", args=[big.pk])
    board = client.get(url).content.decode()
    assert cards(board, "todo") == steps(5, 54)
    assert cards(board, "in_progress") == ["C1.4"]
    assert cards(board, "done") == steps(1, 3)
    assert re.findall(r'<h2 id="column-\w+">([^<]+) <span class="badge">(\d+)</span>', board) == [
        ("To do", "226"),
        ("In progress", "1"),
        ("Done", "3"),
    ]
    assert "Showing 50 of 226." in board
    more = f"{url}?column=todo&amp;page=2"
    assert f'href="{more}" hx-get="{more}"' in board
    assert board.count("Show more") == 1  # only the column with more
    # htmx: the column alone, with its first two pages of cards.
    column = client.get(url, {"column": "todo", "page": 2}, headers={"HX-Request": "true"})
    text = column.content.decode()
    assert text.lstrip().startswith('<section class="board-column" id="board-column-todo"')
    assert cards(text, "todo") == steps(5, 104)
    assert f"{url}?column=todo&amp;page=3" in text
    # Without htmx, the whole board with that column longer; the last page has no "more".
    whole = client.get(url, {"column": "todo", "page": 5}).content.decode()
    assert cards(whole, "todo") == steps(5, 230)
    assert cards(whole, "done") == steps(1, 3)
    assert "Show more" not in whole


def bars(html: str) -> list[str]:
    return re.findall(r'<text class="task-label" x="8" y="\d+">([^<]+)</text>', html)


def test_the_gantt_draws_a_hundred_tasks_a_page(client, lead, big):
    client.force_login(lead)
    url = reverse("projects:project-timeline", args=[big.pk])
    first = client.get(url).content.decode()
    assert bars(first) == steps(1, 100)
    assert first.count('<path class="arrow') == 99  # the links among the page's tasks
    assert "Tasks 1\N{EN DASH}100 of 230 in plan order (page 1 of 3)" in first
    assert ">Later tasks</a>" in first and "Earlier tasks" not in first
    last = client.get(url, {"page": 3}).content.decode()
    assert bars(last) == steps(201, 230)
    assert last.count('<path class="arrow') == 29
    assert ">Earlier tasks</a>" in last and "Later tasks" not in last
    # The chart spans the page's dates only: C1.201 starts on its first day column.
    c201 = Task.objects.get(project=big, title="C1.201")
    assert (
        f'<desc id="gantt-svg-desc">Tasks 201 to 230 of 230, from {c201.planned_start:%-d %b %Y}'
        in last
    )
    # The whole critical path is listed under the chart, whatever the page.
    assert last.count('<li><a href="/projects/tasks/') == 230


def test_a_small_project_has_one_page_and_no_paging_controls(client, lead, big):
    small = services.project_create(by=lead, name="Small", delivery_lead=lead, start_date=MONDAY)
    bulk_plan(small, chains=2, length=10)
    client.force_login(lead)
    for name in ("project-detail", "project-board", "project-timeline"):
        text = client.get(reverse(f"projects:{name}", args=[small.pk])).content.decode()
        assert 'class="pagination"' not in text and "Show more" not in text
    timeline = client.get(reverse("projects:project-timeline", args=[small.pk])).content.decode()
    assert len(bars(timeline)) == 20
    assert "20 tasks from 2 Mar 2026 to 13 Mar 2026; the critical path is C1.1, C2.1," in timeline
