"""A sales manager opens both dashboards: every chart draws, filters swap the widgets in
place (charts redrawn), nothing logs an error; screenshots are saved for a human to look at."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.tests.factories import DealFactory
from handoff.models import Handoff
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory
from tests.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def make_data() -> None:
    today = timezone.localdate()
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    member = UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    for i in range(3):
        DealFactory(owner=rep, amount=Decimal(1000 * (i + 1)), expected_close_date=today)
        DealFactory(proposal=True, owner=rep, next_action_due_date=today - dt.timedelta(days=i + 2))
        won = DealFactory(won=True, owner=rep, won_at=timezone.now() - dt.timedelta(days=35 * i))
    project = ProjectFactory(
        name="Shop relaunch",
        delivery_lead=lead,
        status="active",
        at_risk=True,
        promised_date=today,
        planned_finish=today + dt.timedelta(days=9),
        forecast_finish=today + dt.timedelta(days=9),
        baseline_finish=today + dt.timedelta(days=2),
        members=[member],
    )
    # The kickoff project of a won deal: a sales manager may open it (an internal project
    # would not be on their dashboard).
    Handoff.objects.create(deal=won, project=project, delivery_lead=lead)
    milestone = MilestoneFactory(project=project, requires_approval=True, approver=lead)
    for person, offset in ((member, -4), (member, 3), (lead, 0)):
        TaskFactory(
            project=project,
            assignee=person,
            milestone=milestone,
            duration_days=3,
            planned_start=today + dt.timedelta(days=offset),
            planned_finish=today + dt.timedelta(days=offset + 2),
        )


def drawn_charts(page: Page, count: int) -> None:
    expect(page.locator("canvas[data-chart]")).to_have_count(count)
    expect(page.locator('canvas[data-drawn="true"]')).to_have_count(count)


def test_manager_sees_both_dashboards_with_charts(page: Page, live_server, tmp_path):
    make_data()
    UserFactory(username="sam", full_name="Sam Manager", role=Role.SALES_MANAGER)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "sam")

    page.get_by_role("link", name="Dashboards").click()
    expect(page.get_by_role("heading", name="Sales dashboard")).to_be_visible()
    drawn_charts(page, 5)
    kpi = page.locator(".kpi", has_text="Open pipeline, weighted")
    expect(kpi.locator(".kpi-value")).to_have_text("15,600 EUR")
    page.screenshot(path=tmp_path / "sales.png", full_page=True)

    # A filter applies as soon as it changes; the charts are drawn again.
    page.get_by_label("Period").select_option(label="Last 3 months")
    expect(page).to_have_url(f"{live_server.url}/dashboards/sales/?owner=&period=3m")
    expect(page.locator(".dash-period")).to_contain_text(
        f"{(timezone.localdate().replace(day=1) - dt.timedelta(days=40)).replace(day=1):%-d %b %Y}"
    )
    drawn_charts(page, 5)
    page.locator("#widget-pipeline summary").click()
    expect(page.locator("#widget-pipeline table")).to_contain_text("Proposal")

    page.get_by_role("link", name="Delivery", exact=True).click()
    expect(page.get_by_role("heading", name="Delivery dashboard")).to_be_visible()
    drawn_charts(page, 4)
    expect(page.locator("#widget-at_risk")).to_contain_text("Shop relaunch")
    expect(page.locator("#widget-load table")).to_contain_text("Max Member")
    page.screenshot(path=tmp_path / "delivery.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    drawn_charts(page, 4)
    page.screenshot(path=tmp_path / "delivery-phone.png", full_page=True)

    assert errors == []
    for name in ("sales.png", "delivery.png", "delivery-phone.png"):
        assert (tmp_path / name).stat().st_size > 10_000
