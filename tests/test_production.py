"""Relay as production runs it: DEBUG off, collectstatic's manifest, gunicorn."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, DealFactory
from handoff import services as handoff_services
from handoff.tests.factories import HandoffFactory

ROOT = Path(__file__).resolve().parent.parent

# The source-map comments the manifest storage follows (Django's own patterns, loosened to
# find the comment anywhere on a line): a missing target makes collectstatic fail.
SOURCE_MAP = re.compile(r"^\s*(?://|/\*)# sourceMappingURL=([^\s*]+)", re.MULTILINE)

PAGES = [
    "/",
    "/pipeline/",
    "/deals/",
    "/companies/",
    "/contacts/",
    "/projects/",
    "/dashboards/sales/",
    "/dashboards/delivery/",
    "/search/?q=a",
    "/admin/",
    "/api/v1/docs",
]
# A name hashed by the manifest storage: app.3f2a9c1b4d5e.css
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")


def test_no_static_file_points_at_a_missing_source_map():
    missing = [
        f"{path.relative_to(ROOT)} -> {target}"
        for path in sorted((ROOT / "static").rglob("*"))
        if path.suffix in {".js", ".css"}
        for target in SOURCE_MAP.findall(path.read_text(errors="replace"))
        if not target.startswith("data:") and not (path.parent / target).exists()
    ]
    assert not missing, "Source maps that are not vendored: " + ", ".join(missing)


def make_data() -> list[str]:
    """One user in every role, a company with a contact, an open deal and a won one whose
    kickoff project has tasks; returns the detail pages to open besides ``PAGES``."""
    today = timezone.localdate()
    boss = UserFactory(username="boss", full_name="Bo Boss", role=Role.ADMIN)
    boss.groups.add(*Group.objects.filter(name__in=[Role.SALES_MANAGER, Role.DELIVERY_LEAD]))
    # The test settings hash with MD5 for speed; production knows only its own hashers.
    hasher = PBKDF2PasswordHasher()
    boss.password = hasher.encode(PASSWORD, hasher.salt())
    boss.save(update_fields=["password"])
    company = CompanyFactory(name="Acme", domain="acme.example", owner=boss)
    contact = ContactFactory(company=company, first_name="Anna", last_name="Acme")
    deal = DealFactory(
        title="Acme website",
        company=company,
        owner=boss,
        amount=Decimal("40000.00"),
        expected_close_date=today + dt.timedelta(days=30),
    )
    ActivityFactory(deal=deal, body="Called Anna about the budget.")
    handoff = HandoffFactory(
        deal__title="Acme shop",
        deal__company=company,
        deal__owner=boss,
        main_stakeholder=contact,
        kickoff_date=today + dt.timedelta(days=7),
        promised_date=today + dt.timedelta(days=365),
        delivery_lead=boss,
    )
    won = handoff_services.deal_win(deal=handoff.deal, by=boss)
    handoff.refresh_from_db()
    project = handoff.project
    return [
        f"/companies/{company.pk}/",
        f"/contacts/{contact.pk}/",
        f"/deals/{deal.pk}/",
        f"/deals/{won.pk}/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/board/",
        f"/projects/{project.pk}/timeline/",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_works_under_gunicorn_with_debug_off(page: Page, production_server: str):
    """Each page answers 200 with a CSP, loads only hashed static files that answer 200, and
    logs no console error (CSP violations are console errors) and no uncaught exception."""
    details = make_data()
    # With DEBUG off the session and CSRF cookies are Secure: Chromium keeps them over plain
    # http on 127.0.0.1 and localhost, which it counts as secure contexts.
    base = production_server
    current = ["sign in"]
    problems: list[str] = []
    statics: set[str] = set()

    def on_response(response: Response) -> None:
        url = urlsplit(response.url)
        if url.netloc != urlsplit(base).netloc:
            return
        if url.path.startswith("/static/"):
            statics.add(url.path)
            if not HASHED.search(url.path):
                problems.append(f"{current[0]}: unhashed static file {url.path}")
        if response.status >= 400:
            problems.append(f"{current[0]}: {response.status} for {url.path}")

    page.on("response", on_response)
    page.on("requestfailed", lambda r: problems.append(f"{current[0]}: {r.failure} {r.url}"))

    def on_console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if message.type == "error":
            problems.append(f"{current[0]}: console {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{current[0]}: page error {error}"))

    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    for path in PAGES + details:
        current[0] = path
        response = page.goto(base + path)
        assert response is not None
        page.wait_for_load_state("networkidle")
        if response.status != 200 or response.url != base + path:
            problems.append(f"{path}: answered {response.status} at {response.url}")
        if "content-security-policy" not in response.headers:
            problems.append(f"{path}: no Content-Security-Policy header")

    assert not problems, "\n".join(problems)
    assert any(path.startswith("/static/vendor/htmx/") for path in statics), statics
