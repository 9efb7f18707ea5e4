"""Each role's home (My work) on the demo data, on a desktop and a phone: nothing sticks out
of 390 px, and one click on an item reaches the place to act on it. Screenshots go to
/tmp/shots-homes/ for a human to look at."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import PASSWORD
from demo.seed import seed
from tests.browser import OVERFLOWS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-homes")
VIEWPORTS = {"desktop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def demo(transactional_db) -> None:
    seed(deals=40)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def look(page: Page, who: str) -> None:
    """Screenshots at both sizes; no overflow on the phone."""
    SHOTS.mkdir(exist_ok=True)
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.reload()
        expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()
        page.screenshot(path=str(SHOTS / f"{who}-{size}.png"), full_page=True)
        page.screenshot(path=str(SHOTS / f"{who}-{size}-top.png"))
        if size == "phone":
            assert page.evaluate(OVERFLOWS) == []


def test_a_reps_day(demo, page: Page, live_server):
    sign_in(page, live_server.url, "rita")
    look(page, "rita")
    overdue = page.locator("section", has=page.locator("#overdue-title"))
    expect(overdue.get_by_role("heading")).to_contain_text("My overdue next actions")
    link = overdue.get_by_role("link").first
    title = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/deals/\d+/$"))


def test_a_managers_team(demo, page: Page, live_server):
    sign_in(page, live_server.url, "sam")
    look(page, "sam")
    team = page.locator("#team-stuck")
    expect(team).not_to_contain_text("No overdue")
    expect(page.locator("#team-forecast")).to_contain_text("Forecast against target")
    team.locator("tbody a").first.click()
    expect(page.get_by_role("heading", name="Deals", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/deals/\?stage=open&.*owner=\d+"))
    expect(page.locator("#deal-table tbody tr").first).to_be_visible()


def test_a_delivery_leads_projects(demo, page: Page, live_server):
    sign_in(page, live_server.url, "dana")
    look(page, "dana")
    expect(page.locator("#team-load")).to_contain_text("My team's load")
    link = page.locator("#led-projects tbody a").first
    name = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects/\d+/$"))


def test_a_members_tasks(demo, page: Page, live_server):
    sign_in(page, live_server.url, "max")
    look(page, "max")
    expect(page.locator("#led-projects")).to_have_count(0)
    link = page.locator("#my-tasks tbody a").first
    title = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects/tasks/\d+/$"))
