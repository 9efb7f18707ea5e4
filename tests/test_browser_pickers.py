"""Issue 14: searchable pickers. A rep chooses a company, then one of its contacts, by typing
and from the keyboard alone; the choices survive a refused save; a phone shows them whole."""

import os

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal
from crm.tests.factories import CompanyFactory, ContactFactory
from tests.browser import OVERFLOWS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-pickers"


def shot(page: Page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png")


@pytest.fixture
def customers():
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    acme = CompanyFactory(name="Acme", domain="acme.example", owner=rep)
    globex = CompanyFactory(name="Globex Corporation", domain="globex.example", owner=rep)
    CompanyFactory(name="Global Freight", domain="", owner=rep)
    ContactFactory(company=acme, first_name="Anna", last_name="Berg", email="", owner=rep)
    hank = ContactFactory(
        company=globex, first_name="Hank", last_name="Scorpio", email="hank@globex.example"
    )
    ContactFactory(company=globex, first_name="Frank", last_name="Grimes", email="", owner=rep)
    return {"rep": rep, "acme": acme, "globex": globex, "hank": hank}


def test_choose_a_company_then_its_contact_from_the_keyboard(page: Page, live_server, customers):
    page.set_viewport_size({"width": 1366, "height": 860})
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + "/deals/new/")
    page.get_by_label("Title").fill("Globex rollout")
    page.keyboard.press("Tab")
    company = page.get_by_role("combobox", name="Company")
    expect(company).to_be_focused()
    page.keyboard.type("glo")
    listbox = page.locator("#id_company_listbox")
    expect(listbox).to_be_visible()
    expect(company).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option")).to_have_text(
        ["Global Freight", "Globex Corporation globex.example"]
    )
    shot(page, "company-suggestions-1366")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    active = listbox.locator("[aria-selected=true]")
    expect(active).to_have_attribute("data-label", "Globex Corporation")
    expect(company).to_have_attribute("aria-activedescendant", active.get_attribute("id") or "-")
    shot(page, "company-active-1366")
    page.keyboard.press("Enter")
    expect(company).to_have_value("Globex Corporation")
    expect(company).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#id_company")).to_have_value(str(customers["globex"].pk))

    # The contact picker offers the chosen company's contacts only (Anna is Acme's).
    page.keyboard.press("Tab")
    contact = page.get_by_role("combobox", name="Contact")
    expect(contact).to_be_focused()
    page.keyboard.press("ArrowDown")
    contacts = page.locator("#id_contact_listbox").get_by_role("option")
    expect(contacts).to_have_text(["Frank Grimes", "Hank Scorpio hank@globex.example"])
    shot(page, "contact-suggestions-1366")
    page.keyboard.type("sco")
    expect(contacts).to_have_text(["Hank Scorpio hank@globex.example"])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(contact).to_have_value("Hank Scorpio")

    # Escape closes the suggestions without choosing; Enter with none open submits.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_company_listbox")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#id_company_listbox")).to_be_hidden()
    expect(company).to_have_value("Globex Corporation")

    # No next action: refused; both choices come back with their names.
    page.get_by_role("button", name="Create deal").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    expect(page.get_by_role("combobox", name="Company")).to_have_value("Globex Corporation")
    expect(page.get_by_role("combobox", name="Contact")).to_have_value("Hank Scorpio")
    shot(page, "refused-keeps-choices-1366")
    page.get_by_role("textbox", name="Next action").fill("Send the rollout plan")
    page.get_by_label("Due date").fill("2026-12-01")
    page.get_by_role("button", name="Create deal").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Globex rollout")).to_be_visible()
    deal = Deal.objects.get(title="Globex rollout")
    assert (deal.company_id, deal.contact_id) == (customers["globex"].pk, customers["hank"].pk)


def test_a_new_company_clears_the_contact_of_the_previous_one(page: Page, live_server, customers):
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + f"/deals/new/?company={customers['acme'].pk}")
    company = page.get_by_role("combobox", name="Company")
    expect(company).to_have_value("Acme")  # the chosen company shows its name
    contact = page.get_by_role("combobox", name="Contact")
    contact.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_contact_listbox").get_by_role("option")).to_have_text(["Anna Berg"])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(contact).to_have_value("Anna Berg")
    company.fill("Glob")
    expect(contact).to_have_value("")
    expect(page.locator("#id_contact")).to_have_value("")
    expect(page.locator("#id_company")).to_have_value("")


def test_suggestions_fit_a_phone(page: Page, live_server, customers):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + "/deals/new/")
    page.get_by_role("combobox", name="Company").fill("glo")
    expect(page.locator("#id_company_listbox").get_by_role("option")).to_have_count(2)
    assert page.evaluate(OVERFLOWS) == []
    shot(page, "company-suggestions-390")
    page.locator("#id_company_listbox [data-label='Globex Corporation']").click()
    page.get_by_role("combobox", name="Contact").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_contact_listbox").get_by_role("option")).to_have_count(2)
    assert page.evaluate(OVERFLOWS) == []
    shot(page, "contact-suggestions-390")


@pytest.mark.parametrize("width,height", [(1366, 860), (390, 844)])
def test_the_other_pickers_by_keyboard_and_on_a_phone(page: Page, live_server, width, height):
    """Bulk reassign on the deal list, a contact's company, a handoff's delivery lead and a
    task's assignee: typed, chosen with the keyboard, and nothing sticks out at 390 px."""
    from crm.tests.factories import DealFactory
    from projects import services as project_services

    page.set_viewport_size({"width": width, "height": height})
    sam = UserFactory(username="sam", full_name="Sam Manager", role=Role.SALES_MANAGER)
    rita = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    dana = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    acme = CompanyFactory(name="Acme", owner=sam)
    deal = DealFactory(owner=sam, company=acme, title="Acme shop", proposal=True)

    def choose(label: str, typed: str, option: str) -> None:
        box = page.get_by_role("combobox", name=label)
        box.focus()
        page.keyboard.type(typed)
        expect(page.locator(f"[role=option][data-label='{option}']")).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(box).to_have_value(option)

    sign_in(page, live_server.url, "sam")
    page.goto(live_server.url + "/deals/")
    page.get_by_label("Select “Acme shop”").check()
    choose("Reassign the selected deals to", "rit", "Rita Rep")
    page.keyboard.press("ArrowDown")
    # The suggestions open once they arrive; Escape before then would close nothing.
    expect(page.locator("#bulk-owner_listbox")).to_be_visible()
    assert page.evaluate(OVERFLOWS) == []
    shot(page, f"bulk-reassign-{width}")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Reassign selected deals").click()
    expect(page.locator(".messages")).to_contain_text("1 deal(s) reassigned to Rita Rep.")
    deal.refresh_from_db()
    assert deal.owner == rita

    page.goto(live_server.url + "/contacts/new/")
    page.get_by_label("First name").fill("Ida")
    choose("Company", "acm", "Acme")
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", name="Ida")).to_be_visible()

    page.goto(live_server.url + f"/deals/{deal.pk}/")
    panel = page.locator("#handoff")
    panel.get_by_label("Scope summary").fill("A shop.")
    box = panel.get_by_role("combobox", name="Delivery lead")
    box.focus()
    page.keyboard.type("d")
    expect(panel.locator("[role=option][data-label='Dana Lead']")).to_be_visible()
    assert page.evaluate(OVERFLOWS) == []
    shot(page, f"handoff-delivery-lead-{width}")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    needed = panel.get_by_text("Still needed to win")
    expect(needed).to_contain_text("delivery lead")
    panel.get_by_role("button", name="Save draft").click()
    expect(needed).not_to_contain_text("delivery lead")
    expect(needed).not_to_contain_text("scope summary")
    expect(panel.get_by_role("combobox", name="Delivery lead")).to_have_value("Dana Lead")
    deal.refresh_from_db()
    assert deal.handoff.delivery_lead == dana

    project = project_services.project_create(
        by=dana, name="Garden shed", delivery_lead=dana, start_date=deal.created_at.date()
    )
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, "dana")
    page.goto(live_server.url + f"/projects/{project.pk}/")
    form = page.locator("form", has=page.get_by_role("button", name="Add task"))
    form.get_by_label("Title").fill("Walls")
    choose("Assignee", "max", "Max Member")
    assert page.evaluate(OVERFLOWS) == []
    shot(page, f"task-assignee-{width}")
    form.get_by_role("button", name="Add task").click()
    expect(page.get_by_text("Task “Walls” added.")).to_be_visible()
    assert project.tasks.get(title="Walls").assignee.username == "max"


def test_a_click_shows_the_chosen_companys_contacts(page: Page, live_server, customers):
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + f"/deals/new/?company={customers['globex'].pk}")
    page.get_by_role("combobox", name="Contact").click()
    listbox = page.locator("#id_contact_listbox")
    expect(listbox.get_by_role("option")).to_have_text(
        ["Frank Grimes", "Hank Scorpio hank@globex.example"]
    )
    listbox.get_by_text("Frank Grimes").click()
    expect(page.get_by_role("combobox", name="Contact")).to_have_value("Frank Grimes")
    expect(listbox).to_be_hidden()
    expect(page.locator("#id_contact")).to_have_value(
        str(customers["globex"].contacts.get(first_name="Frank").pk)
    )


def test_escape_before_the_suggestions_arrive_keeps_them_closed(page: Page, live_server, customers):
    """The lookup answers late (held here): Escape pressed while it is on its way keeps the
    list closed and the text typed; typing again asks again and opens it."""
    held = []
    page.route("**/companies/lookup/**", lambda route: held.append(route))
    sign_in(page, live_server.url, "rita")
    page.goto(live_server.url + "/deals/new/")
    company = page.get_by_role("combobox", name="Company")
    company.focus()
    company.press_sequentially("glo")
    for _ in range(100):  # the lookup waits 200 ms after the last key, then is held here
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    page.keyboard.press("Escape")
    for route in held:
        route.continue_()
    held.clear()
    listbox = page.locator("#id_company_listbox")
    expect(listbox.locator("[role=option]")).to_have_count(2)  # the answer arrived
    expect(listbox).to_be_hidden()
    expect(company).to_have_attribute("aria-expanded", "false")
    expect(company).to_have_value("glo")
    page.unroute("**/companies/lookup/**")
    company.press_sequentially("be")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_text(["Globex Corporation globex.example"])
