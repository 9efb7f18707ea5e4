"""A rep creates a deal, drags it through the pipeline, meets each refusal form, and sees the history."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal
from crm.tests.factories import CompanyFactory
from tests.browser import OVERFLOWS, pick, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def drag(page: Page, card_title: str, stage: str) -> None:
    card = page.locator(".deal-card", has_text=card_title)
    target = page.locator(f'ol.cards[data-stage="{stage}"]')
    start = card.bounding_box()
    end = target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + 20, start["y"] + 10)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(
            start["x"] + 20 + (end["x"] + 40 - start["x"] - 20) * step / 10,
            start["y"] + 10 + (end["y"] + 20 - start["y"] - 10) * step / 10,
        )
    page.mouse.up()


def test_rep_creates_a_deal_and_drags_it_through_qualify_and_propose(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    CompanyFactory(name="Acme", owner=rep)
    sign_in(page, live_server.url, "rita")

    page.get_by_role("link", name="New deal").click()
    page.get_by_label("Title").fill("Acme website")
    pick(page, "Company", "Ac", "Acme")
    page.get_by_role("textbox", name=re.compile(r"^Next action")).fill("Call Anna about the budget")
    page.get_by_label("Due date").fill("2026-12-01")
    page.get_by_role("button", name="Create deal").click()
    expect(page.get_by_role("heading", name="Acme website")).to_be_visible()

    page.get_by_role("link", name="Pipeline").click()
    drag(page, "Acme website", "qualified")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Move “Acme website” to Qualified")
    expect(
        dialog.get_by_text("Qualification notes are required to qualify a deal.")
    ).to_be_visible()
    dialog.get_by_label("Qualification notes").fill("Budget 40k approved; CTO decides by January.")
    dialog.get_by_role("button", name="Save and move to Qualified").click()
    expect(page.locator(".messages")).to_contain_text("“Acme website” moved to Qualified.")
    expect(
        page.locator('ol.cards[data-stage="qualified"] .deal-card', has_text="Acme website")
    ).to_be_visible()

    drag(page, "Acme website", "proposal")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("An amount greater than 0 is required to propose.")).to_be_visible()
    expect(dialog.get_by_text("An expected close date is required to propose.")).to_be_visible()
    dialog.get_by_label("Amount").fill("40000")
    dialog.get_by_label("Expected close date").fill("2027-01-31")
    dialog.get_by_role("button", name="Save and move to Proposal").click()
    expect(page.locator(".messages")).to_contain_text("“Acme website” moved to Proposal.")
    expect(
        page.locator('ol.cards[data-stage="proposal"] .deal-card', has_text="Acme website")
    ).to_be_visible()

    page.get_by_role("link", name="Acme website").click()
    history = page.locator("#timeline")
    expect(history.get_by_text("Lead → Qualified")).to_be_visible()
    expect(history.get_by_text("Qualified → Proposal")).to_be_visible()
    deal = Deal.objects.get(title="Acme website")
    assert (deal.stage, deal.amount, str(deal.expected_close_date)) == (
        "proposal",
        40000,
        "2027-01-31",
    )


def test_keyboard_move_and_cancelled_refusal_changes_nothing(page: Page, live_server):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    from crm.tests.factories import DealFactory

    DealFactory(owner=rep, company=company, title="Keyboard deal")
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + "/pipeline/")
    # The card is the tab stop; M opens its "Move to" menu.
    page.locator(".deal-card", has_text="Keyboard deal").focus()
    page.keyboard.press("m")
    page.get_by_label("Move “Keyboard deal” to").select_option("qualified")
    page.get_by_label("Move “Keyboard deal” to").press("Tab")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(
        page.locator('ol.cards[data-stage="lead"] .deal-card', has_text="Keyboard deal")
    ).to_be_visible()
    assert Deal.objects.get(title="Keyboard deal").stage == "lead"
    expect(page).to_have_url(re.compile(r"/pipeline/$"))


def test_crm_pages_load_without_console_or_csp_errors(page: Page, live_server):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    from crm.tests.factories import ContactFactory, DealFactory

    company = CompanyFactory(name="Acme", owner=rep)
    contact = ContactFactory(company=company, owner=rep)
    deal = DealFactory(
        owner=rep, company=company, contact=contact, proposal=True, title="Acme shop"
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "rita")
    for path in (
        "/",
        "/pipeline/",
        "/deals/",
        f"/deals/{deal.pk}/",
        "/companies/",
        f"/companies/{company.pk}/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/search/?q=acme",
        "/imports/",
        "/accounts/profile/",
        "/deals/new/",
        "/reminders/preferences/",
    ):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
    page.goto(live_server.url + f"/deals/{deal.pk}/")
    page.get_by_role("link", name="Edit details").click()
    expect(page.get_by_role("button", name="Save deal")).to_be_visible()
    page.get_by_label("Title").fill("Acme online shop")
    page.get_by_role("button", name="Save deal").click()
    expect(page.get_by_role("heading", name="Acme online shop")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Deal saved.")
    assert Deal.objects.get(pk=deal.pk).title == "Acme online shop"
    assert errors == []


def test_a_contact_with_a_long_email_fits_a_phone(page: Page, live_server):
    from crm.tests.factories import ContactFactory

    rep = UserFactory(username="rita", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    email = "maximilian.mustermannschneider.procurement@verylongsubsidiaryname.example"
    contact = ContactFactory(company=company, owner=rep, email=email)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    expect(page.get_by_role("link", name=email)).to_be_visible()
    page.screenshot(path="var/screenshots/contact-long-email-phone.png", full_page=True)
    assert page.evaluate(OVERFLOWS) == []
