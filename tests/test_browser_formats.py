"""Dates, times and money read the house way (accounts.formats) in a Berlin user's browser,
on a laptop and on a phone (nothing sticks out at 390 px); screenshots for a human to look
at are saved under /tmp/shots-formats/."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal
from crm.tests.factories import CompanyFactory, DealFactory, ExchangeRateFactory
from projects import services as project_services
from projects.models import Comment
from tests.browser import OVERFLOWS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-formats")
# 19:15 UTC on 2 December 2026: 20:15 in Berlin.
MOMENT = dt.datetime(2026, 12, 2, 19, 15, tzinfo=dt.UTC)
SIZES = {"laptop": (1366, 860), "phone": (390, 844)}


def shoot(page: Page, name: str) -> None:
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
    # What sticks out (a select too narrow for its option is another matter, not a format's).
    assert [found for found in page.evaluate(OVERFLOWS) if " cuts " not in found] == []
    page.set_viewport_size({"width": 1366, "height": 860})


def test_a_berlin_user_reads_berlin_times_and_amounts_with_their_currency(page: Page, live_server):
    SHOTS.mkdir(exist_ok=True)
    today = timezone.localdate()
    sam = UserFactory(
        username="sam", full_name="Sam Manager", role=Role.SALES_MANAGER, time_zone="Europe/Berlin"
    )
    ExchangeRateFactory(currency="CHF", rate=Decimal("1.08"), valid_from=dt.date(2020, 1, 1))
    acme = CompanyFactory(owner=sam, name="Acme")
    deal = DealFactory(
        owner=sam,
        company=acme,
        title="Roll-out",
        amount=Decimal("81000.00"),
        currency="CHF",
        exchange_rate=Decimal("1.08"),
        next_action="Send the quote",
        next_action_due_date=today + dt.timedelta(days=3),
        next_action_due_time=dt.time(9, 30),
    )
    DealFactory(owner=sam, company=acme, title="Support", amount=Decimal("1250.50"))
    Deal.objects.filter(pk=deal.pk).update(created_at=MOMENT)
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    UserFactory(
        username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER, time_zone="Europe/Berlin"
    )
    project = project_services.project_create(
        by=lead,
        name="Roll-out",
        delivery_lead=lead,
        start_date=dt.date(2026, 11, 30),
        members=[User.objects.get(username="max")],
    )
    task = project_services.task_create(by=lead, project=project, title="Header", duration_days=3)
    comment = project_services.comment_create(by=lead, task=task, body="Header first, please.")
    Comment.objects.filter(pk=comment.pk).update(created_at=MOMENT)

    sign_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    expect(page.locator("dt:text-is('Amount') + dd")).to_have_text("81,000 CHF ≈ 87,480 EUR")
    expect(page.locator("dt:text-is('Created') + dd")).to_have_text("2 Dec 2026")
    expect(page.locator("dt:text-is('Probability') + dd")).to_have_text("10% (weighted 8,100 CHF)")
    shoot(page, "deal")

    page.goto(f"{live_server.url}/deals/")
    expect(page.locator("#deal-table")).to_contain_text("1,250.50 EUR")
    shoot(page, "deals")

    page.goto(f"{live_server.url}/pipeline/")
    shoot(page, "pipeline")

    page.goto(f"{live_server.url}/dashboards/sales/")
    expect(
        page.locator(".kpi", has_text="Open pipeline, weighted").locator(".kpi-value")
    ).to_have_text("8,873 EUR")  # a total: whole units
    page.locator("#widget-pipeline summary").click()
    shoot(page, "sales")

    page.goto(f"{live_server.url}/accounts/profile/")
    page.locator("details.user-menu summary").click()
    expect(
        page.get_by_role("link", name="Your profile and time zone (Europe/Berlin)")
    ).to_be_visible()
    shoot(page, "profile")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "max")
    page.goto(f"{live_server.url}/projects/tasks/{task.pk}/")
    stamp = page.locator("time", has_text="2 Dec 2026")
    expect(stamp).to_have_text("2 Dec 2026, 20:15")
    expect(stamp).to_have_attribute("title", "Europe/Berlin time")
    expect(page.locator("dt:text-is('Planned') + dd")).to_have_text(
        "30 Nov 2026 to 2 Dec 2026 (3 working days)"
    )
    shoot(page, "task")
