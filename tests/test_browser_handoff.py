"""A rep drags a deal to Won, completes the handoff, overrides a failed promise and lands on
the kickoff project; the delivery lead sees it with the deal's context."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.formats import format_date, format_month_day
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from handoff.models import Handoff
from handoff.tests.factories import HandoffFactory
from projects.models import Project, Task
from projects.selectors import working_calendar
from projects.tests.factories import finished_project, small_template
from tests.browser import pick, sign_in
from tests.test_browser_crm import drag

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_drag_to_won_handoff_override_and_the_lead_sees_the_project(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    company = CompanyFactory(name="Acme", owner=rep)
    ContactFactory(company=company, first_name="Anna", last_name="Berg", owner=rep)
    DealFactory(owner=rep, company=company, title="Acme shop", negotiation=True)
    today = timezone.localdate()
    kickoff = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    impossible = kickoff + dt.timedelta(days=3)

    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + "/pipeline/")
    drag(page, "Acme shop", "won")
    expect(page.get_by_role("heading", name="Handoff to delivery")).to_be_visible()
    panel = page.locator("#handoff")
    panel.get_by_label("Scope summary").fill("Online shop with payments and a CMS.")
    panel.get_by_label("Key constraints").fill("Go-live before the spring sale; PCI compliance.")
    pick(panel, "Main stakeholder", "ann", "Anna Berg")
    pick(panel, "Delivery lead", "dana", "Dana Lead")
    panel.get_by_label("Project template").select_option(label="Standard delivery")
    panel.get_by_label("Kickoff date").fill(kickoff.isoformat())
    panel.get_by_label("Promised delivery date").fill(impossible.isoformat())
    panel.get_by_label("Promised timeline").fill("Live within a week.")
    check = page.locator("#promise-check")
    expect(check).to_contain_text("Promise at risk.")
    page.get_by_role("button", name="Win deal and start the project").click()
    expect(page.locator("#promise-check .errorlist")).to_contain_text("Record why you win anyway")
    page.get_by_label("Why win although the plan misses the promise?").fill(
        "Customer accepts a soft launch first."
    )
    page.get_by_role("button", name="Win deal and start the project").click()

    expect(page.get_by_role("heading", name="Acme shop")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text(
        "“Acme shop” is won. Its kickoff project starts here."
    )
    project = Project.objects.get()
    assert page.url.endswith(f"/projects/{project.pk}/")
    first = Task.objects.filter(project=project).order_by("planned_start", "pk").first()
    assert first.planned_start == kickoff
    start = page.locator('#task-table td[data-label="Start"]').first
    expect(start).to_have_text(format_month_day(kickoff))

    page.context.clear_cookies()
    sign_in(page, live_server.url, "dana")
    page.goto(live_server.url + f"/projects/{project.pk}/")
    context = page.locator("#handoff-context")
    expect(context).to_contain_text("Online shop with payments and a CMS.")
    expect(context).to_contain_text("Customer accepts a soft launch first.")
    expect(context).to_contain_text("Anna Berg")
    expect(page.get_by_text("At risk").first).to_be_visible()


def test_the_chance_from_finished_projects_blocks_and_the_override_releases(
    page: Page, live_server
):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    small = small_template(launch=False)
    for _ in range(5):  # every finished project: 2 days of design, 4 of build
        finished_project(
            small,
            lead,
            {
                "Design": (dt.date(2026, 11, 2), dt.date(2026, 11, 3)),
                "Build": (dt.date(2026, 11, 4), dt.date(2026, 11, 9)),
            },
        )
    today = timezone.localdate()
    kickoff = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    calendar = working_calendar(since=kickoff)
    finish = calendar.add_working_days(kickoff, 5)  # the 6th working day
    too_soon = calendar.add_working_days(kickoff, 4)
    handoff = HandoffFactory(
        deal__owner=rep,
        template=small,
        kickoff_date=kickoff,
        promised_date=too_soon,
        delivery_lead=lead,
    )

    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + f"/deals/{handoff.deal_id}/")
    check = page.locator("#promise-check")
    expect(check).to_contain_text("Promise at risk.")
    expect(check).to_contain_text(
        f"Chance of finishing by {format_date(too_soon)}: 0% · "
        f"P50 {format_month_day(finish)} · P80 {format_month_day(finish)}, "
        "from 5 finished projects: under the 50% required."
    )
    page.get_by_role("button", name="Win deal and start the project").click()
    expect(page.locator("#promise-check .errorlist")).to_contain_text(
        f"The chance of finishing by the promised {format_date(too_soon)} is 0%"
    )
    # The refused win swapped the panel in anew: its live check listens once htmx settled.
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")
    page.get_by_label("Promised delivery date").fill(finish.isoformat())
    expect(check).to_contain_text("Promise likely met.")
    expect(check).to_contain_text(f"Chance of finishing by {format_date(finish)}: 100%")
    page.get_by_label("Promised delivery date").fill(too_soon.isoformat())
    expect(check).to_contain_text("Promise at risk.")
    page.get_by_label("Why win although the chance is under 50%?").fill("Two teams on it.")
    page.get_by_role("button", name="Win deal and start the project").click()
    expect(page.locator(".messages")).to_contain_text("is won. Its kickoff project starts here.")
    assert Handoff.objects.get(pk=handoff.pk).override_reason == "Two teams on it."
