"""The deal page and the handoff in Chromium: every htmx form answers in place, wrong input
first, then right; the page is never reloaded and nothing else on it vanishes."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm import services as crm_services
from crm.models import Activity, Deal, LostReason
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from handoff.models import Handoff
from projects import services as project_services
from projects.models import Milestone, Task, TaskStatus
from tests.browser import OVERFLOWS, pick, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-dealflow")
PHONE = {"width": 390, "height": 844}
# Set once on the page: still there after a step means the step did not reload the page.
MARK = "() => { window.__stayed = true; }"
STAYED = "() => window.__stayed === true"


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    # A refusal answers 422 on purpose; the browser logs each one as a failed resource.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_complete_next_action_refused_then_done_in_place(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    deal = DealFactory(owner=rep, company=company, title="Acme shop", next_action="Call Anna")
    errors = watch_errors(page)
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.evaluate(MARK)
    card = page.locator("#next-action")
    card.get_by_text("Complete and set the next action").click()
    card.get_by_label("It was a").select_option("meeting")
    card.get_by_role("textbox", name="Next action").fill("Send the contract")
    card.get_by_role("button", name="Save outcome and next action").click()

    expect(card.locator(".errorlist").first).to_have_text("This field is required.")
    for heading in ("History", "Details", "Handoff to delivery"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(card.get_by_role("textbox", name="Next action")).to_have_value("Send the contract")
    expect(card.get_by_label("It was a")).to_have_value("meeting")
    shoot(page, "next-action-refused-desktop")

    card.get_by_label("Outcome").fill("Agreed on the scope.")
    card.get_by_label("Due date").fill("2026-12-01")
    card.get_by_role("button", name="Save outcome and next action").click()
    expect(card.get_by_role("status")).to_have_text("Done. The next action is set.")
    expect(card.locator(".next-action-text")).to_contain_text("Send the contract")
    expect(page.locator("#timeline-entries li").first).to_contain_text(
        "Done: Call AnnaAgreed on the scope."
    )
    assert page.evaluate(STAYED)
    deal.refresh_from_db()
    assert (deal.next_action, str(deal.next_action_due_date)) == ("Send the contract", "2026-12-01")
    assert Activity.objects.get(deal=deal).kind == "meeting"
    shoot(page, "next-action-done-desktop")

    # The log-activity form: refused, then logged, in the history card.
    history = page.locator("#timeline")
    history.get_by_role("button", name="Log activity").click()
    expect(history.locator(".errorlist")).to_have_text("This field is required.")
    history.get_by_label("What happened").fill("Sent the offer by email.")
    history.get_by_role("button", name="Log activity").click()
    expect(history.get_by_role("status")).to_have_text("Activity logged.")
    expect(page.locator("#timeline-entries li").first).to_contain_text("Sent the offer by email.")
    assert page.evaluate(STAYED)

    # Edit details: refused in place, then saved in place (the title changes with it).
    details = page.locator("#deal-fields")
    details.get_by_role("link", name="Edit details").click()
    details.get_by_label("Title").fill("")
    details.get_by_role("button", name="Save deal").click()
    expect(details.locator("#id_title_error")).to_have_text("This field is required.")
    details.get_by_label("Title").fill("Acme online shop")
    details.get_by_role("button", name="Save deal").click()
    expect(details.get_by_role("status")).to_have_text("Deal saved.")
    expect(page.locator(".messages.in-place")).to_have_count(1)  # "Activity logged." is gone
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme online shop")
    expect(details).to_contain_text("Acme")
    assert page.evaluate(STAYED)
    assert Deal.objects.get(pk=deal.pk).title == "Acme online shop"
    shoot(page, "deal-saved-desktop")
    assert errors == [], errors

    page.set_viewport_size(PHONE)
    card.get_by_text("Complete and set the next action").click()
    shoot(page, "next-action-phone")
    assert page.evaluate(OVERFLOWS) == []


def test_handoff_draft_saved_and_refused_win_keep_the_input_in_place(page: Page, live_server):
    rep = UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    company = CompanyFactory(name="Acme", owner=rep)
    ContactFactory(company=company, first_name="Anna", last_name="Berg", owner=rep)
    deal = DealFactory(owner=rep, company=company, title="Acme shop", negotiation=True)
    today = timezone.localdate()
    kickoff = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    errors = watch_errors(page)
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.evaluate(MARK)
    panel = page.locator("#handoff")
    expect(panel.locator("#handoff-badge")).to_have_text("Blocked: 8 missing")

    panel.get_by_label("Scope summary").fill("Online shop with payments.")
    panel.get_by_label("Kickoff date").fill(kickoff.isoformat())
    panel.get_by_label("Promised delivery date").fill((kickoff - dt.timedelta(days=3)).isoformat())
    panel.get_by_role("button", name="Save draft").click()
    expect(panel.locator("#id_promised_date_error")).to_have_text(
        "The promised date is before the kickoff date."
    )
    expect(panel.get_by_label("Scope summary")).to_have_value("Online shop with payments.")
    assert not Handoff.objects.exists()

    too_soon = kickoff + dt.timedelta(days=3)
    panel.get_by_label("Promised delivery date").fill(too_soon.isoformat())
    panel.get_by_role("button", name="Save draft").click()
    expect(panel.get_by_role("status").first).to_have_text("Handoff draft saved.")
    expect(panel.locator("#handoff-badge")).to_have_text("Blocked: 5 missing")
    assert Handoff.objects.get().promised_date == too_soon

    panel.get_by_label("Key constraints").fill("PCI compliance.")
    pick(panel, "Main stakeholder", "ann", "Anna Berg")
    pick(panel, "Delivery lead", "dana", "Dana Lead")
    panel.get_by_label("Project template").select_option(label="Standard delivery")
    panel.get_by_label("Promised timeline").fill("Live within a week.")
    expect(page.locator("#promise-check")).to_contain_text("Promise at risk.")
    panel.get_by_role("button", name="Win deal and start the project").click()
    expect(page.locator("#promise-check .errorlist")).to_contain_text("Record why you win anyway")
    expect(panel.locator("#handoff-badge")).to_have_text("Blocked: promise override")
    for label, value in (
        ("Scope summary", "Online shop with payments."),
        ("Key constraints", "PCI compliance."),
        ("Promised timeline", "Live within a week."),
        ("Kickoff date", kickoff.isoformat()),
        ("Promised delivery date", too_soon.isoformat()),
    ):
        expect(panel.get_by_label(label)).to_have_value(value)
    expect(panel.get_by_role("combobox", name="Main stakeholder")).to_have_value("Anna Berg")
    expect(panel.get_by_role("combobox", name="Delivery lead")).to_have_value("Dana Lead")
    assert Deal.objects.get(pk=deal.pk).stage == "negotiation"
    assert page.evaluate(STAYED)
    shoot(page, "handoff-refused-win-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "handoff-refused-win-phone")
    assert page.evaluate(OVERFLOWS) == []
    page.set_viewport_size({"width": 1366, "height": 860})

    page.get_by_label("Why win although the plan misses the promise?").fill("Soft launch first.")
    panel.get_by_role("button", name="Win deal and start the project").click()
    expect(page.locator(".messages")).to_contain_text("“Acme shop” is won.")
    assert Deal.objects.get(pk=deal.pk).stage == "won"
    assert errors == []


def test_the_propose_dialog_asks_only_for_the_close_date_when_the_amount_is_set(
    page: Page, live_server
):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    company = CompanyFactory(name="Acme", owner=rep)
    deal = DealFactory(
        owner=rep, company=company, title="Acme shop", qualified=True, amount=Decimal("40000")
    )
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_role("link", name="Move to Proposal").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Move “Acme shop” to Proposal")
    expect(dialog.get_by_label("Expected close date")).to_be_visible()
    expect(dialog.get_by_label("Amount")).to_be_hidden()  # known: folded away, not asked
    known = dialog.locator("details.known-fields summary")
    expect(known).to_have_text("Already set: amount 40,000\u00a0EUR. Change")
    shoot(page, "propose-dialog-desktop")
    dialog.get_by_role("button", name="Save and move to Proposal").click()
    expect(dialog.locator("#id_expected_close_date_error")).to_have_text("This field is required.")
    known.click()
    expect(dialog.get_by_label("Amount")).to_have_value("40000.00")
    dialog.get_by_label("Amount").fill("42000")
    dialog.get_by_label("Expected close date").fill("2027-01-31")
    page.set_viewport_size(PHONE)
    shoot(page, "propose-dialog-phone")
    assert page.evaluate(OVERFLOWS) == []
    dialog.get_by_role("button", name="Save and move to Proposal").click()
    expect(page.locator(".messages")).to_contain_text("“Acme shop” moved to Proposal.")
    deal.refresh_from_db()
    assert (deal.stage, deal.amount, str(deal.expected_close_date)) == (
        "proposal",
        Decimal("42000.00"),
        "2027-01-31",
    )


def test_a_lost_deals_stepper_marks_what_it_never_reached(page: Page, live_server):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    deal = DealFactory(owner=rep, title="Acme shop", qualification_notes="Budget confirmed.")
    deal = crm_services.deal_transition(deal=deal, by=rep, name="qualify")
    reason = LostReason.objects.get(name="Timing")
    crm_services.deal_transition(deal=deal, by=rep, name="lose", params={"lost_reason": reason})
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    steps = page.get_by_role("list", name="Pipeline stage").get_by_role("listitem")
    expect(steps).to_have_text(
        [
            "Lead (passed)",
            "Qualified (passed)",
            "Proposal (not reached)",
            "Negotiation (not reached)",
            "Lost",
        ]
    )
    expect(steps.nth(4)).to_have_attribute("aria-current", "step")
    shoot(page, "lost-stepper-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "lost-stepper-phone")
    assert page.evaluate(OVERFLOWS) == []


def test_approve_is_disabled_with_its_reason_then_approves_in_place(page: Page, live_server):
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    member = UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    project = project_services.project_create(
        by=lead,
        name="Garden shed",
        delivery_lead=lead,
        start_date=dt.date(2026, 3, 2),
        members=[member],
    )
    signoff = project_services.milestone_create(
        by=lead, project=project, name="Sign-off", requires_approval=True, approver=member
    )
    build = project_services.task_create(by=lead, project=project, title="Build", milestone=signoff)
    sign_in(page, live_server.url, "max")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    button = page.get_by_role("button", name="Approve Sign-off")
    expect(button).to_be_disabled()
    expect(page.locator("#milestones")).to_contain_text(
        "Finish these tasks before approving: “Build”."
    )
    shoot(page, "approve-disabled-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "approve-disabled-phone")
    assert page.evaluate(OVERFLOWS) == []
    page.set_viewport_size({"width": 1366, "height": 860})

    Task.objects.filter(pk=build.pk).update(status=TaskStatus.DONE)
    page.reload()
    page.evaluate(MARK)
    page.get_by_label("Approval comment").fill("Looks good.")
    page.get_by_role("button", name="Approve Sign-off").click()
    expect(page.locator("#milestones").get_by_role("status")).to_have_text(
        "Milestone “Sign-off” approved."
    )
    expect(page.locator("#milestones")).to_contain_text("Approved by Max Member")
    assert page.evaluate(STAYED)
    assert Milestone.objects.get().approval_comment == "Looks good."
    shoot(page, "approve-done-desktop")


def test_project_and_task_forms_answer_in_place(page: Page, live_server):
    lead = UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    member = UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    project = project_services.project_create(
        by=lead,
        name="Garden shed",
        delivery_lead=lead,
        start_date=dt.date(2026, 3, 2),
        members=[member],
    )
    design = project_services.task_create(by=lead, project=project, title="Design")
    build = project_services.task_create(by=lead, project=project, title="Build")
    project_services.dependency_create(by=lead, successor=build, predecessor=design)
    errors = watch_errors(page)
    sign_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.evaluate(MARK)

    milestones = page.locator("#milestones")
    milestones.get_by_text("Add a milestone").click()
    milestones.get_by_label("Due date").fill("2026-04-01")
    milestones.get_by_role("button", name="Add milestone").click()
    expect(milestones.locator(".errorlist")).to_have_text("This field is required.")
    expect(milestones.get_by_label("Due date")).to_have_value("2026-04-01")
    milestones.get_by_label("Milestone name").fill("Handover")
    milestones.get_by_role("button", name="Add milestone").click()
    expect(milestones.get_by_role("status")).to_have_text("Milestone “Handover” added.")

    checklist = page.locator("#checklist")
    checklist.get_by_role("button", name="Add item").click()
    expect(checklist.locator(".errorlist")).to_have_text("This field is required.")
    checklist.get_by_label("New checklist item").fill("Order the timber")
    checklist.get_by_role("button", name="Add item").click()
    expect(checklist.get_by_role("status")).to_have_text("Added “Order the timber”.")
    checklist.get_by_role("button", name="☐ Order the timber").click()
    expect(checklist.get_by_role("status")).to_have_text("Ticked “Order the timber”.")
    assert page.evaluate(STAYED)
    shoot(page, "project-forms-desktop")

    page.goto(f"{live_server.url}/projects/tasks/{build.pk}/")
    page.evaluate(MARK)
    plan = page.locator("#task-plan")
    plan.get_by_label("Status").select_option("in_progress")
    plan.get_by_role("button", name="Set status").click()
    expect(plan.get_by_role("alert")).to_contain_text("Design")
    expect(plan.get_by_label("Status")).to_have_value("in_progress")
    comments = page.locator("#comments")
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.locator(".errorlist")).to_have_text("This field is required.")
    comments.get_by_label("Comment").fill("Waiting on @max")
    comments.get_by_role("button", name="Add comment").click()
    expect(comments.get_by_role("status")).to_have_text("Comment added.")
    expect(comments).to_contain_text("mentions @max")
    links = page.locator("#dependencies")
    links.get_by_role("button", name="Add link").click()
    expect(links.locator(".errorlist").first).to_have_text("This field is required.")
    links.get_by_role("button", name="Remove the link to Design").click()
    expect(links.get_by_role("status")).to_have_text("“Build” no longer waits on “Design”.")
    plan.get_by_label("Status").select_option("in_progress")
    plan.get_by_role("button", name="Set status").click()
    expect(plan.get_by_role("status")).to_have_text("“Build” is now in progress.")
    expect(page.locator("#task-status-badge")).to_have_text("In progress")
    assert page.evaluate(STAYED)
    shoot(page, "task-forms-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "task-forms-phone")
    assert page.evaluate(OVERFLOWS) == []
    assert errors == []
