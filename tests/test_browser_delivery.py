"""Delivery in Chromium: a lead plans a small project with links and sees the Gantt; a member
is refused starting a blocked task from the board (R8), using only the keyboard path."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from tests.browser import OVERFLOWS, pick, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Page) -> None:
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def add_task(page: Page, title: str, days: int, assignee: str | None = None) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Add task"))
    form.get_by_label("Title").fill(title)
    form.get_by_label("Duration (working days)").fill(str(days))
    if assignee:
        pick(form, "Assignee", assignee[:3], assignee)
    form.get_by_role("button", name="Add task").click()
    expect(page.get_by_text(f"Task “{title}” added.")).to_be_visible()


def link(page: Page, task: str, waits_on: str) -> None:
    page.get_by_role("link", name=task, exact=True).first.click()
    expect(page.get_by_role("heading", name=task, level=1)).to_be_visible()
    page.get_by_label("Waits on").select_option(label=waits_on)
    page.get_by_label("Link").select_option("FS")
    page.get_by_label("Lag (working days)").fill("0")
    page.get_by_role("button", name="Add link").click()
    expect(page.get_by_text(f"“{task}” now waits on “{waits_on}”.")).to_be_visible()
    page.get_by_role("link", name="Garden shed").click()


def test_a_lead_plans_a_project_and_a_member_is_refused_a_blocked_start(page: Page, live_server):
    UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    sign_in(page, live_server.url, "dana")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Projects", exact=True
    ).click()
    page.get_by_role("link", name="New project", exact=True).click()
    page.get_by_label("Name").fill("Garden shed")
    page.get_by_label("Kickoff date").fill("2026-03-02")
    page.get_by_label("Max Member").check()
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Garden shed")).to_be_visible()

    add_task(page, "Foundation", 3)
    add_task(page, "Walls", 2, assignee="Max Member")
    add_task(page, "Roof", 1, assignee="Max Member")
    link(page, "Walls", "Foundation")
    link(page, "Roof", "Walls")

    rows = page.locator("#task-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("Walls")
    expect(rows.nth(1).locator('td[data-label="Start"]')).to_have_text("5 Mar")
    expect(rows.nth(2).locator('td[data-label="Start"]')).to_have_text("9 Mar")
    expect(page.locator("#overview-title + dl")).to_contain_text("Planned finish9 Mar 2026")

    page.get_by_role("link", name="Timeline", exact=True).click()
    chart = page.locator("svg.gantt")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar.critical")).to_have_count(3)
    expect(chart.locator("path.arrow.critical")).to_have_count(2)
    expect(page.locator("ol.critical-path li")).to_have_text(
        [re.compile("^Foundation"), re.compile("^Walls"), re.compile("^Roof")]
    )
    sign_out(page)

    sign_in(page, live_server.url, "max")
    expect(page.locator("#my-tasks")).to_contain_text("Walls")
    page.locator("#my-tasks").get_by_role("link", name="Garden shed").first.click()
    expect(page.get_by_role("heading", name="Add a task")).to_have_count(0)
    page.get_by_role("link", name="Board", exact=True).click()
    card = page.locator("li.task-card", has=page.get_by_role("link", name="Walls", exact=True))
    # The card is the tab stop (once the board's script has set it up); M opens its menu.
    expect(card).to_have_attribute("tabindex", "0")
    card.focus()
    expect(card).to_be_focused()
    page.keyboard.press("m")
    card.get_by_label("Status of Walls").select_option("in_progress")
    card.get_by_role("button", name="Move Walls").press("Enter")
    alert = page.locator("#task-board [role=alert]")
    expect(alert).to_have_text(
        "“Walls” cannot start before “Foundation” is finished (finish-to-start)."
    )
    todo = page.locator("section.board-column", has=page.get_by_role("heading", name="To do"))
    expect(
        todo.locator("li.task-card", has=page.get_by_role("link", name="Walls", exact=True))
    ).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    # Nothing wider than a phone: the page never scrolls sideways (the Gantt scrolls inside).
    page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path="var/screenshots/project-tasks-phone.png", full_page=True)
    assert page.evaluate(OVERFLOWS) == []
    assert problems == []
