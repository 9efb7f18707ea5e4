"""The import wizard in Chromium: a sales manager uploads a HubSpot companies export, checks
the detected layout and the automatic mapping, imports it and follows the progress to the
summary; then a deals file with a bad row lists the problem and offers it as a CSV.
Every screen fits a 390 px phone (nothing sticks out, no select cuts its text); screenshots
of the setup, done, failed and list screens (desktop and phone) go to var/screenshots/."""

import csv
import io
import threading
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Company
from tests.browser import OVERFLOWS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
COMPANIES = ROOT / "tests" / "data" / "imports" / "hubspot_companies.csv"
SHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}

DEALS = (
    "id,title,company,owner,stage,amount,expected_close_date,next_action,next_action_due_date\n"
    "5001,Robot arms - Acme Robotics,Acme Robotics,sam,lead,1200.00,2027-01-31,"
    "Call Anna,2026-12-10\n"
    "5002,Spare parts - Acme Robotics,Acme Robotics,sam,lead,800.00,2027-02-28,,\n"
)


@pytest.fixture
def worker_thread(monkeypatch):
    """Run each queued import in a thread of this process, as a worker would: the request
    returns at once and the page polls the progress. (A worker process cannot read the test
    settings' in-memory file storage, so it has to be this process.)"""
    from imports import tasks

    threads: list[threading.Thread] = []

    def run(pk: int) -> None:
        try:
            tasks.run_import(pk)
        finally:
            connection.close()

    def delay(pk: int) -> None:
        thread = threading.Thread(target=run, args=(pk,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(tasks.run_import, "delay", delay)
    yield
    for thread in threads:
        thread.join(timeout=30)


def overflows(page: Page) -> list[str]:
    """What does not fit the phone's width (an empty list when everything does)."""
    page.set_viewport_size(PHONE)
    try:
        return page.evaluate(OVERFLOWS)
    finally:
        page.set_viewport_size(DESKTOP)


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot at desktop and at phone width; the phone never scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SHOTS / f"imports-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_function("document.documentElement.scrollWidth <= 390")
    page.screenshot(path=SHOTS / f"imports-{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def upload(page: Page, base: str, kind: str, file: dict | Path) -> None:
    page.goto(base + "/imports/")
    expect(page.get_by_role("heading", name="Import from another CRM")).to_be_visible()
    page.get_by_label("What the file holds").select_option(kind)
    page.get_by_label("Exported file (CSV)").set_input_files(file)  # type: ignore[arg-type]
    page.get_by_role("button", name="Upload and map the columns").click()
    expect(page.get_by_role("heading", name="Columns")).to_be_visible()


def summary(page: Page) -> dict[str, str]:
    facts = page.locator("#import-progress dl.facts > div")
    return {
        facts.nth(i).locator("dt").inner_text(): facts.nth(i).locator("dd").inner_text()
        for i in range(facts.count())
    }


def test_a_manager_imports_companies_then_sees_a_deal_row_error(
    page: Page, live_server, worker_thread
):
    UserFactory(username="sam", full_name="Sam Manager", role=Role.SALES_MANAGER)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "sam")

    upload(page, live_server.url, "companies", COMPANIES)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import of companies from hubspot_companies.csv"
    )
    expect(page.locator("p.muted").first).to_have_text(
        "Recognised as an export from HubSpot · UTF-8 with BOM, separated by commas, header on "
        "line 1."
    )
    columns = page.locator("section[aria-labelledby=columns-title] tbody tr")
    expect(columns).to_have_count(8)
    expected = {
        "Record ID": ("external_id", "18000000000"),
        "Company name": ("name", "Acme Robotics"),
        "Company Domain Name": ("domain", "acme-robotics.com"),
        "Industry": ("industry", "Machinery"),
        "Company owner": ("owner", "Former Employee"),
        "Phone Number": ("phone", "+41 44 200 10 00"),
        "City": ("", "Zürich"),
        "Create Date": ("created_at", "2026-09-01 09:00"),
    }
    for i, (column, (field, sample)) in enumerate(expected.items()):
        row = columns.nth(i)
        expect(row.locator("label")).to_have_text(column)
        expect(row.get_by_label(column, exact=True)).to_have_value(field)
        expect(row.locator("td").nth(1)).to_contain_text(sample)
    # A name no user has goes to the default owner, else to who imports: nothing fails.
    owners = page.locator("section[aria-labelledby^=values-] tbody tr")
    expect(owners.locator(".badge")).to_have_text(
        ["no such user", "no such user", "no such user", "found"]
    )
    former = page.get_by_label("Former Employee", exact=True)
    expect(former.locator("option:checked")).to_have_text("No user: the default owner above")
    expect(page.get_by_label("Sam Manager", exact=True).locator("option:checked")).to_have_text(
        "Sam Manager"
    )
    expect(
        page.get_by_label("Owner for names that match no user").locator("option:checked")
    ).to_have_text("None: who imports the file")
    values = page.locator("section[aria-labelledby^=values-]")
    expect(values).to_have_count(1)
    expect(values.get_by_role("heading")).to_have_text("Owner values")
    assert overflows(page) == []
    shoot(page, "setup")

    page.get_by_role("button", name="Import", exact=True).click()
    progress = page.locator("#import-progress")
    expect(progress).to_be_visible()
    expect(progress.get_by_role("heading")).to_have_text("Done", timeout=30_000)
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    done = {
        "Created": "30",
        "Updated": "0",
        "Skipped (unchanged or duplicates)": "1",
        "Failed": "0",
    }
    assert summary(page) == done
    expect(progress.get_by_role("link", name="Download the problems (CSV)")).to_have_count(0)
    # What comes next: the companies it made, and the contacts file that links to them.
    expect(progress.get_by_role("link", name="See the companies")).to_have_attribute(
        "href", "/companies/"
    )
    expect(progress.get_by_role("link", name="Import contacts next")).to_have_attribute(
        "href", "/imports/?kind=contacts"
    )
    assert Company.objects.count() == 30
    shoot(page, "done")
    page.reload()
    expect(page.locator("#import-progress").get_by_role("heading")).to_have_text("Done")
    assert summary(page) == done

    upload(
        page,
        live_server.url,
        "deals",
        {
            "name": "deals.csv",
            "mimeType": "text/csv",
            "buffer": DEALS.encode(),
        },
    )
    expect(page.get_by_label("Next action for open deals without one")).to_have_value("")
    expect(page.locator("section[aria-labelledby^=values-] h2")).to_have_text(
        ["Stage values", "Owner values"]
    )
    assert overflows(page) == []
    shoot(page, "setup-deals")
    # Two columns for one field: refused at the later one, which names the column before it.
    page.get_by_label("title", exact=True).select_option("company")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Nothing is imported yet: correct the choices marked below."
    )
    expect(columns.nth(2).locator(".errorlist")).to_have_text(
        "“title” fills Company name already: choose another field or ignore this column."
    )
    assert overflows(page) == []
    shoot(page, "setup-error")
    # The refused form answers 422, which Chromium logs; exactly that once.
    assert errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Content)"
    ]
    errors.clear()
    page.get_by_label("title", exact=True).select_option("title")
    page.get_by_role("button", name="Import", exact=True).click()
    progress = page.locator("#import-progress")
    expect(progress.get_by_role("heading")).to_have_text("Failed", timeout=30_000)
    result = summary(page)
    assert result["Failed"] == "1", result
    problems = page.locator("section[aria-labelledby=problems-title] tbody tr")
    # Row 3 (line 3 of the file, the deal without a next action) fails on both fields: each
    # problem names the file's column and the Relay field's label.
    expect(problems).to_have_count(2)
    expect(problems.nth(0).locator("td")).to_have_text(
        [
            "3",
            "next_action",
            "Next action",
            "—",
            "An open deal needs a next action: what happens next.",
        ]
    )
    expect(problems.nth(1).locator("td")).to_have_text(
        [
            "3",
            "next_action_due_date",
            "Next action due",
            "—",
            "An open deal needs a due date for its next action.",
        ]
    )
    assert overflows(page) == []
    shoot(page, "failed")
    with page.expect_download() as info:
        progress.get_by_role("link", name="Download the problems (CSV)").click()
    download = info.value
    assert download.suggested_filename.endswith("-errors.csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["row", "column", "field", "value", "message"],
        [
            "3",
            "next_action",
            "Next action",
            "",
            "An open deal needs a next action: what happens next.",
        ],
        [
            "3",
            "next_action_due_date",
            "Next action due",
            "",
            "An open deal needs a due date for its next action.",
        ],
    ]
    page.goto(live_server.url + "/imports/")
    history = page.locator("section[aria-labelledby=history-title] tbody tr")
    expect(history.locator("td[data-label=File]")).to_have_text(
        ["deals.csv", "hubspot_companies.csv"]
    )
    assert overflows(page) == []
    shoot(page, "list")
    assert errors == []
