"""The boards from the keyboard and on a phone: a drop on Won opens the handoff in a dialog
on the board; each card is one tab stop; a move keeps focus on the moved card and is
announced; at 390 px the page does not scroll sideways (the board does, inside itself)."""

import datetime as dt
import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.selectors import BOARD_PAGE_SIZE
from crm.tests.factories import CompanyFactory, DealFactory
from handoff.tests.factories import HandoffFactory
from projects.models import Project, TaskStatus
from projects.tests.factories import ProjectFactory, bulk_plan
from tests.browser import OVERFLOWS, sign_in
from tests.test_browser_crm import drag

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SHOTS = "/tmp/shots-board"

# Per card: how many elements inside it (itself included) the Tab key stops on.
TAB_STOPS = """(selector) => Array.from(document.querySelectorAll(selector)).map((card) => {
  const candidates = [card, ...card.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")];
  return candidates.filter((el) => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0).length;
})"""


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def card_in(page: Page, stage: str, title: str):
    return page.locator(f'ol.cards[data-stage="{stage}"] .deal-card', has_text=title)


def focused_deal(page: Page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.dataset.deal || null")


def test_an_incomplete_handoff_dropped_on_won_shows_what_is_missing_and_the_card_returns(
    page: Page, live_server
):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    deal = DealFactory(owner=rep, company=company, title="Acme shop", negotiation=True)
    sign_in(page, live_server.url, "rita")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(live_server.url + "/pipeline/")

    drag(page, "Acme shop", "won")
    dialog = page.get_by_role("dialog", name="Win “Acme shop”")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Handoff to delivery")).to_be_visible()
    expect(dialog).to_contain_text("Still needed to win: scope summary, promised delivery date")
    expect(dialog.locator("#promise-check")).to_contain_text(
        "Choose a template and a kickoff date to check the promise against the plan."
    )
    page.screenshot(path=f"{SHOTS}/won-dialog-incomplete.png")

    dialog.get_by_role("button", name="Win deal and start the project").click()
    expect(dialog.get_by_text("Summarise the scope that was sold.")).to_be_visible()
    expect(dialog).to_be_visible()
    # Refused: the card is back in Negotiation behind the dialog, the deal unchanged.
    expect(card_in(page, "negotiation", "Acme shop")).to_have_count(1)
    expect(card_in(page, "won", "Acme shop")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/won-dialog-refused.png")

    dialog.get_by_role("button", name="Cancel, keep it in Negotiation").click()
    expect(dialog).to_be_hidden()
    expect(card_in(page, "negotiation", "Acme shop")).to_have_count(1)
    assert focused_deal(page) == str(deal.pk)
    deal.refresh_from_db()
    assert deal.stage == "negotiation"
    assert Project.objects.count() == 0


def test_a_complete_handoff_wins_from_the_dialog_on_the_board(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    deal = DealFactory(owner=rep, company=company, title="Acme shop", negotiation=True)
    kickoff = next_monday()
    HandoffFactory(deal=deal, kickoff_date=kickoff, promised_date=kickoff + dt.timedelta(days=365))
    sign_in(page, live_server.url, "rita")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(live_server.url + "/pipeline/")

    drag(page, "Acme shop", "won")
    dialog = page.get_by_role("dialog", name="Win “Acme shop”")
    expect(dialog).to_contain_text("Everything delivery needs is here: the deal can be won.")
    expect(dialog.locator("#promise-check")).to_contain_text("Promise met.")
    page.screenshot(path=f"{SHOTS}/won-dialog-complete.png")
    dialog.get_by_role("button", name="Win deal and start the project").click()

    expect(page.locator(".messages")).to_contain_text(
        "“Acme shop” is won. Its kickoff project starts here."
    )
    project = Project.objects.get()
    assert page.url.endswith(f"/projects/{project.pk}/")
    deal.refresh_from_db()
    assert deal.stage == "won"


def test_pipeline_cards_are_one_tab_stop_and_a_keyboard_move_keeps_focus(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    first = DealFactory(
        owner=rep, company=company, title="Acme site", qualification_notes="Budget approved."
    )
    DealFactory(owner=rep, company=company, title="Acme app")
    sign_in(page, live_server.url, "rita")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(live_server.url + "/pipeline/")

    assert page.evaluate(TAB_STOPS, "#board .deal-card") == [1, 1]
    page.get_by_role("button", name="Filter board").focus()
    page.keyboard.press("Tab")
    assert focused_deal(page) is not None
    page.locator(f'.deal-card[data-deal="{first.pk}"]').focus()

    page.keyboard.press("ArrowRight")
    expect(page.locator("#board-status")).to_have_text("“Acme site” moved to Qualified.")
    # The board reloads after the move (busy until the new one is in): wait for it.
    expect(page.locator("#board")).not_to_have_attribute("aria-busy", "true")
    moved = card_in(page, "qualified", "Acme site")
    expect(moved).to_be_focused()
    first.refresh_from_db()
    assert first.stage == "qualified"
    assert page.evaluate(TAB_STOPS, "#board .deal-card") == [1, 1]
    page.screenshot(path=f"{SHOTS}/pipeline-after-key-move.png")

    # M opens the card's "Move to" menu, Escape closes it and focus is on the card again.
    page.keyboard.press("m")
    expect(page.get_by_label("Move “Acme site” to")).to_be_focused()
    page.screenshot(path=f"{SHOTS}/pipeline-move-menu.png")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move", exact=True)).to_be_focused()
    page.keyboard.press("Tab")  # out of the card: its menu closes
    expect(page.get_by_label("Move “Acme site” to")).to_be_hidden()
    assert page.evaluate(TAB_STOPS, "#board .deal-card") == [1, 1]
    moved.focus()
    page.keyboard.press("m")
    page.keyboard.press("Escape")
    expect(moved).to_be_focused()
    expect(page.get_by_label("Move “Acme site” to")).to_be_hidden()

    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Acme site")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/deals/{first.pk}/$"))


def test_a_move_keeps_the_columns_shown_with_show_more(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    soon = timezone.localdate() + dt.timedelta(days=3)
    deals = [
        DealFactory(owner=rep, company=company, title=f"Lead {i:02}", next_action_due_date=soon)
        for i in range(BOARD_PAGE_SIZE + 3)
    ]
    DealFactory(
        owner=rep,
        company=company,
        title="Mover",
        qualification_notes="Budget approved.",
        next_action_due_date=timezone.localdate() + dt.timedelta(days=1),
    )
    sign_in(page, live_server.url, "rita")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(live_server.url + "/pipeline/")
    lead = page.locator('ol.cards[data-stage="lead"] .deal-card')
    expect(lead).to_have_count(BOARD_PAGE_SIZE)
    page.get_by_role("link", name="Show more lead deals").click()
    expect(lead).to_have_count(len(deals) + 1)
    mover = card_in(page, "lead", "Mover")
    expect(mover).to_have_attribute("tabindex", "0")  # the swapped-in column is set up
    mover.focus()
    expect(mover).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#board-status")).to_have_text("“Mover” moved to Qualified.")
    expect(card_in(page, "qualified", "Mover")).to_be_focused()
    expect(lead).to_have_count(len(deals))  # the board reloaded with the lead column open
    expect(page.get_by_role("link", name="Show more lead deals")).to_have_count(0)


def test_a_keyboard_move_that_needs_a_form_returns_focus_to_the_card(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    deal = DealFactory(owner=rep, company=company, title="Acme site")
    sign_in(page, live_server.url, "rita")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(live_server.url + "/pipeline/")
    page.locator(f'.deal-card[data-deal="{deal.pk}"]').focus()

    page.keyboard.press("ArrowRight")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Qualification notes")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(card_in(page, "lead", "Acme site")).to_be_focused()

    page.keyboard.press("ArrowRight")
    dialog.get_by_label("Qualification notes").fill("Budget approved.")
    dialog.get_by_role("button", name="Save and move to Qualified").click()
    expect(page.locator(".messages")).to_contain_text("“Acme site” moved to Qualified.")
    expect(card_in(page, "qualified", "Acme site")).to_be_focused()
    deal.refresh_from_db()
    assert deal.stage == "qualified"


def test_the_pipeline_fits_a_phone_and_the_board_scrolls_inside(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Lindqvist & Partners Engineering GmbH", owner=rep)
    overdue = timezone.now() - dt.timedelta(days=2)
    DealFactory(
        owner=rep,
        company=company,
        title="A rather long deal title for the new customer portal",
        next_action_due_date=overdue.date(),
    )
    DealFactory(owner=rep, company=company, title="Acme app", negotiation=True)
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + "/pipeline/")
    expect(page.locator(".deal-card")).to_have_count(2)
    page.screenshot(path=f"{SHOTS}/pipeline-desktop.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#board")).to_have_css("grid-auto-columns", re.compile(r"px"))
    page.screenshot(path=f"{SHOTS}/pipeline-phone.png", full_page=True)
    found = page.evaluate(OVERFLOWS)
    assert found == [], found[:8]
    assert page.evaluate("document.getElementById('board').scrollWidth") > 390
    expect(page.locator(".deal-card.is-overdue")).to_contain_text("Overdue: ")

    # From the keyboard to Won: the handoff dialog fits the phone too.
    card_in(page, "negotiation", "Acme app").focus()
    page.keyboard.press("ArrowRight")
    dialog = page.get_by_role("dialog", name="Win “Acme app”")
    expect(dialog.get_by_label("Scope summary")).to_be_focused()
    page.screenshot(path=f"{SHOTS}/won-dialog-phone.png")
    found = page.evaluate(OVERFLOWS)
    assert found == [], found[:8]
    page.keyboard.press("Escape")
    expect(card_in(page, "negotiation", "Acme app")).to_be_focused()


def test_task_cards_are_one_tab_stop_and_a_keyboard_move_keeps_focus(page: Page, live_server):
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    project = ProjectFactory(name="Garden shed", delivery_lead=lead)
    with transaction.atomic():
        (first, waiting), _ = bulk_plan(project, chains=2, length=2, assignee=lead)
    sign_in(page, live_server.url, "dana")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(live_server.url + f"/projects/{project.pk}/board/")

    assert page.evaluate(TAB_STOPS, "#task-board .task-card") == [1, 1, 1, 1]
    page.locator(f'.task-card[data-task="{first.pk}"]').focus()
    page.keyboard.press("ArrowRight")
    in_progress = page.locator('ol.cards[data-status="in_progress"]')
    expect(in_progress.locator(f'.task-card[data-task="{first.pk}"]')).to_be_focused()
    expect(page.locator("#task-board-status")).to_have_text("“C1.1” moved to In progress.")
    first.refresh_from_db()
    assert first.status == TaskStatus.IN_PROGRESS
    assert page.evaluate(TAB_STOPS, "#task-board .task-card") == [1, 1, 1, 1]
    page.screenshot(path=f"{SHOTS}/task-board-after-key-move.png")

    # Refused (it waits on C1.1): the reason shows and focus stays on the card, in To do.
    page.locator(f'.task-card[data-task="{waiting.pk}"]').focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#task-board [role=alert]")).to_have_text(
        "“C1.2” cannot start before “C1.1” is finished (finish-to-start)."
    )
    todo = page.locator('ol.cards[data-status="todo"]')
    expect(todo.locator(f'.task-card[data-task="{waiting.pk}"]')).to_be_focused()
    waiting.refresh_from_db()
    assert waiting.status == TaskStatus.TODO

    # M opens the status menu; its Move button moves; Enter on a card opens the task.
    page.keyboard.press("m")
    expect(page.get_by_label("Status of C1.2")).to_be_focused()
    page.keyboard.press("Escape")
    expect(todo.locator(f'.task-card[data-task="{waiting.pk}"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tasks/{waiting.pk}/$"))


def test_the_task_board_fits_a_phone(page: Page, live_server):
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    project = ProjectFactory(name="Garden shed", delivery_lead=lead)
    with transaction.atomic():
        bulk_plan(project, chains=2, length=2, assignee=lead)
    sign_in(page, live_server.url, "dana")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/projects/{project.pk}/board/")
    expect(page.locator(".task-card")).to_have_count(4)
    page.screenshot(path=f"{SHOTS}/task-board-phone.png", full_page=True)
    found = page.evaluate(OVERFLOWS)
    assert found == [], found[:8]
