"""The inbox's review list in Chromium: a sales manager opens Inbox from the menu, attaches
an unmatched email to a company's deal through the pickers, and discards another. Both
screens pass the screen tour's checks (axe-core, a 390 px phone, no console error)."""

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Activity
from crm.tests.factories import CompanyFactory, DealFactory
from inbox import services
from inbox.messages import read_bytes
from inbox.models import InboundEmail, Status
from inbox.tests import mail
from tests.browser import pick, sign_in
from tests.test_browser_screens import tour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 860}


def test_a_manager_attaches_and_discards_from_the_review_list(live_server, page: Page):
    UserFactory(username="mia", role=Role.SALES_MANAGER)
    company = CompanyFactory(name="Northwind")
    deal = DealFactory(company=company, title="Northwind rollout")
    for n, subject in enumerate(["Rollout questions", "Spam offer"]):
        raw = mail.plain(
            sender=f"someone{n}@northwind.example", subject=subject, message_id=f"<b{n}@x>"
        )
        services.inbound_email_receive(received=read_bytes(raw))

    sign_in(page, live_server.url, "mia")
    first = InboundEmail.objects.order_by("pk").first()
    screens = {"inbox": "/inbox/", "inbox-email": f"/inbox/{first.pk}/"}
    assert tour(page, live_server.url, "mia", screens) == {}
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Inbox: emails to review")).to_be_visible()

    row = page.get_by_role("row").filter(has_text="Rollout questions")
    row.get_by_role("link", name="Attach to a deal or company").click()
    expect(page.get_by_text("Body of Rollout questions.")).to_be_visible()
    pick(page, "Company", "North", "Northwind")
    pick(page, "Deal", "roll", "Northwind rollout")
    page.get_by_role("button", name="Attach the email").click()

    expect(page.get_by_text("The email is in the timeline.")).to_be_visible()
    page.get_by_role("button", name="Discard “Spam offer”").click()
    expect(page.get_by_text("Discarded “Spam offer”.")).to_be_visible()
    expect(page.get_by_text("No email is waiting for review.")).to_be_visible()
    assert Activity.objects.get().deal == deal
    assert sorted(InboundEmail.objects.values_list("status", flat=True)) == [
        Status.DISCARDED,
        Status.MATCHED,
    ]
