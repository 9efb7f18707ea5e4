"""Acceptance for web forms: a customer's own page (served from another origin by a plain
http.server on loopback) holds the admin's script-free snippet; Chromium fills it in and
submits it, lands on Relay's thank-you page, and exactly one company, contact and lead deal
exist, with the round-robin owner, the form's source, the snippet's campaign and the next
action due within the working hours. The honeypot stays out of reach of a keyboard user."""

import datetime as dt
import functools
import http.server
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Activity, Company, Contact, Deal, LeadSource
from reminders import tasks
from reminders.models import OutboxEmail
from tests.browser import OVERFLOWS
from webforms import services, snippets
from webforms.models import Submission

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer_site(tmp_path: Path):
    """Serve ``tmp_path`` on another loopback port: another origin than Relay's."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_visitor_submits_the_embedded_form(
    page: Page, live_server, settings, customer_site, monkeypatch
):
    monkeypatch.setattr(tasks.send_outbox, "delay", lambda: None)  # no worker here
    settings.SITE_URL = live_server.url
    folder, origin = customer_site
    admin = UserFactory(username="ada", role=Role.ADMIN)
    reps = [UserFactory(username=n, role=Role.SALES_REP) for n in ("rita", "sam")]
    website = LeadSource.objects.get(name="Website")
    form = services.webform_create(by=admin, name="Talk to us", source=website, owners=reps)
    html = snippets.snippet(
        form, {"utm_source": "", "utm_medium": "banner", "utm_campaign": "winter-2026"}
    )
    (folder / "contact.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Customer</title></head>"
        f"<body><h1>Contact Acme Agency</h1>{html}</body></html>",
        encoding="utf-8",
    )
    before = dt.datetime.now(dt.UTC)

    page.goto(f"{origin}/contact.html")
    expect(page.get_by_role("heading", name="Contact Acme Agency")).to_be_visible()
    # The honeypot is neither seen nor reached with the keyboard.
    expect(page.locator("input[name=website]")).not_to_be_in_viewport()
    page.get_by_label("Company").fill("Northwind Traders")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("North")
    page.get_by_label("Email").fill("Nora@Northwind.example")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.get_by_label("Message").press("Tab")
    assert page.evaluate("document.activeElement.name") != "website"
    page.get_by_label("Message").fill("We would like a quote for a new intranet.")
    page.get_by_role("button", name="Send the enquiry").click()

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/forms/{form.key}/submit")
    expect(page.get_by_text(form.thank_you_text)).to_be_visible()

    company = Company.objects.get()
    contact = Contact.objects.get()
    deal = Deal.objects.get()
    assert company.name == "Northwind Traders"
    assert (contact.first_name, contact.last_name, contact.email, contact.company) == (
        "Nora",
        "North",
        "nora@northwind.example",
        company,
    )
    assert (deal.company, deal.contact, deal.owner, deal.stage) == (
        company,
        contact,
        reps[0],
        "lead",
    )
    assert (deal.source, deal.campaign) == (website, "winter-2026")
    assert deal.next_action == "Respond to the enquiry"
    submission = Submission.objects.get()
    # Within the working hours from the moment it arrived (stored to the second).
    due = services.response_due(submission.created_at).replace(microsecond=0)
    assert deal.next_action_due_at == due
    assert before < deal.next_action_due_at
    body = Activity.objects.get(deal=deal).body
    assert body.startswith("We would like a quote for a new intranet.\n")
    assert "utm_medium: banner" in body
    assert (submission.status, submission.deal) == ("accepted", deal)
    assert submission.referrer.startswith(origin)
    assert OutboxEmail.objects.get().recipient == reps[0]

    # The same person sends it again: still one deal, the message in its history.
    page.goto(f"{origin}/contact.html")
    page.get_by_label("Company").fill("Northwind Traders")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Email").fill("nora@northwind.example")
    page.get_by_label("Message").fill("Any news?")
    page.get_by_role("button", name="Send the enquiry").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert (Company.objects.count(), Contact.objects.count(), Deal.objects.count()) == (1, 1, 1)
    assert Activity.objects.filter(deal=deal).count() == 2


def test_a_visitor_corrects_a_mistake_on_the_hosted_page(
    page: Page, live_server, settings, monkeypatch
):
    monkeypatch.setattr(tasks.send_outbox, "delay", lambda: None)
    settings.SITE_URL = live_server.url
    admin = UserFactory(username="ada", role=Role.ADMIN)
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    form = services.webform_create(
        by=admin, name="Talk to us", source=LeadSource.objects.get(name="Referral"), owners=[rep]
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/forms/{form.key}/?utm_campaign=partners")
    expect(page.get_by_role("heading", name="Talk to us")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(OVERFLOWS) == []  # fits a phone
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "webforms-hosted-phone.png", full_page=True)
    page.get_by_label("Company").fill("Fabrikam")
    page.get_by_label("First name").fill("Fay")
    page.get_by_label("Email").fill("fay@fabrikam")
    page.get_by_role("button", name="Send the enquiry").click()
    expect(
        page.get_by_text("Enter a valid email address, such as ann@example.com.")
    ).to_be_visible()
    page.get_by_label("Email").fill("fay@fabrikam.example")
    page.get_by_role("button", name="Send the enquiry").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    deal = Deal.objects.get()
    assert (deal.owner, deal.source.name, deal.campaign) == (rep, "Referral", "partners")
    # Nothing the content security policy refused (the 422 answer itself is logged).
    assert [e for e in errors if "status of 422" not in e] == []
