"""A rep drags a deal to Won, completes the handoff, overrides a failed promise and lands on
the kickoff project; the delivery lead sees it with the deal's context."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.formats import format_month_day
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from projects.models import Project, Task
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
