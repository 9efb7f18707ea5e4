"""Every screen, as each demo user sees it on the demo data, on a desktop (1366x860) and a
phone (390x844): axe-core (vendored in tests/vendor) finds no serious or critical violation,
nothing sticks out of the phone's width, nothing logs an error, and a screenshot of each is
saved under var/screenshots/ for a human to look at."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from accounts.models import User
from crm import selectors as crm_selectors
from dashboards import selectors as dashboard_selectors
from demo.seed import DEMO_PASSWORD, seed
from imports.models import ImportJob
from inbox.models import InboundEmail
from projects import selectors as project_selectors
from projects.models import Project
from tests.browser import OVERFLOWS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
SHOTS = ROOT / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}

# axe runs on the whole page; "serious" and "critical" are the impacts the issue counts.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary)}));
}"""


def _first(queryset) -> int | None:
    obj = queryset.order_by("pk").first()
    return obj.pk if obj else None


def screens_for(user: User) -> dict[str, str]:
    """The screens ``user`` reaches from the navigation, each with the first object they see."""
    urls = {
        "my-work": reverse("dashboards:my-work"),
        "search": reverse("dashboards:search") + "?q=a",
        "profile": reverse("accounts:profile"),
        "password-change": reverse("accounts:password-change"),
        "preferences": reverse("reminders:preferences"),
        "projects": reverse("projects:project-list"),
        "not-found": "/no-such-page/",
    }
    optional: dict[str, Callable[[], str | None]] = {}
    deal = _first(crm_selectors.deal_visible_to(user))
    won = _first(crm_selectors.deal_visible_to(user).filter(stage="won"))
    if won:
        urls["won-deal"] = reverse("crm:deal-detail", args=[won])
    if user.has_perm("crm.add_deal") and deal:
        urls |= {
            "pipeline": reverse("crm:pipeline"),
            "deals": reverse("crm:deal-list"),
            "deal": reverse("crm:deal-detail", args=[deal]),
            "deal-new": reverse("crm:deal-create"),
            "deal-edit": reverse("crm:deal-edit", args=[deal]),
        }
    company = _first(crm_selectors.company_list(user=user))
    if company:
        urls |= {
            "companies": reverse("crm:company-list"),
            "company": reverse("crm:company-detail", args=[company]),
        }
        contact = _first(crm_selectors.contact_list(user=user))
        if contact:
            urls |= {
                "contacts": reverse("crm:contact-list"),
                "contact": reverse("crm:contact-detail", args=[contact]),
            }
    if user.has_perm("crm.add_company"):
        urls["company-new"] = reverse("crm:company-create")
        urls["contact-new"] = reverse("crm:contact-create")
    if user.has_perm("crm.import_csv"):
        urls["imports"] = reverse("imports:import-list")
        job = _first(ImportJob.objects.filter(created_by=user))
        optional["import"] = lambda: job and reverse("imports:import-detail", args=[job])
    project = _first(project_selectors.project_list_for_user(user))
    if project:
        urls |= {
            "project": reverse("projects:project-detail", args=[project]),
            "project-board": reverse("projects:project-board", args=[project]),
            "project-timeline": reverse("projects:project-timeline", args=[project]),
        }
        task = _first(
            project_selectors.project_tasks(project_selectors.project_get_for_user(user, project))
        )
        if task:
            urls["task"] = reverse("projects:task-detail", args=[task])
        if user.has_perm("projects.change_project", Project.objects.get(pk=project)):
            urls["project-edit"] = reverse("projects:project-edit", args=[project])
    if user.has_perm("projects.add_project"):
        urls["project-new"] = reverse("projects:project-create")
    if user.has_perm("inbox.review_email"):
        urls["inbox"] = reverse("inbox:review-list")
        email = _first(InboundEmail.objects.all())
        optional["inbox-email"] = lambda: email and reverse("inbox:email-detail", args=[email])
    if dashboard_selectors.can_see_sales_dashboard(user):
        urls["sales-dashboard"] = reverse("dashboards:sales")
    if dashboard_selectors.can_see_delivery_dashboard(user):
        urls["delivery-dashboard"] = reverse("dashboards:delivery")
    for name, make in optional.items():
        if url := make():
            urls[name] = url
    return urls


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def tour(page: Page, base: str, who: str, urls: dict[str, str]) -> dict[str, object]:
    """Visit every screen at both sizes; what went wrong, by screen."""
    problems: dict[str, object] = {}
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name, url in urls.items():
            errors.clear()
            response = page.goto(base + url)
            page.wait_for_load_state("networkidle")
            status = response.status if response else 0
            expected = 404 if name == "not-found" else 200
            page.screenshot(path=SHOTS / f"{who}-{name}-{size}.png", full_page=True)
            page.evaluate(AXE)
            found: dict[str, object] = {}
            if status != expected:
                found["status"] = status
            if violations := page.evaluate(RUN_AXE):
                found["axe"] = violations
            if size == "phone" and (overflows := page.evaluate(OVERFLOWS)):
                found["overflow"] = overflows[:10]
            if real := [e for e in errors if name != "not-found" or "404" not in e]:
                found["console"] = real
            if found:
                problems[f"{name} ({size}) {url}"] = found
    return problems


@pytest.fixture
def demo(transactional_db) -> None:
    seed(deals=40)


@pytest.mark.parametrize("who", ["rita", "sam", "dana", "max", "admin"])
def test_every_screen_is_accessible_and_fits_a_phone(demo, page: Page, live_server, who):
    user = User.objects.get(username=who)
    urls = screens_for(user)
    assert {"my-work", "profile", "projects"} <= urls.keys()
    sign_in(page, live_server.url, who)
    problems = tour(page, live_server.url, who, urls)
    assert problems == {}, json.dumps(problems, indent=1)


def test_the_sign_in_page_is_accessible(page: Page, live_server):
    urls = {
        "sign-in": reverse("accounts:login"),
        "password-reset": reverse("accounts:password-reset"),
        "password-reset-done": reverse("accounts:password-reset-done"),
    }
    problems = tour(page, live_server.url, "anonymous", urls)
    assert problems == {}, json.dumps(problems, indent=1)


# Forms sent empty (the browser's own checks switched off, as an old browser or a script
# would send them): the server's errors show beside their fields, and the page stays
# accessible and fits a phone.
EMPTY_FORMS = [
    ("rita", "crm:deal-create", "Create deal"),
    ("rita", "crm:company-create", "Create company"),
    ("rita", "crm:contact-create", "Create contact"),
    ("dana", "projects:project-create", "Create project"),
    ("rita", "accounts:password-change", "Change password"),
]


@pytest.mark.parametrize("who", sorted({who for who, _, _ in EMPTY_FORMS}))
def test_forms_sent_empty_show_their_errors_accessibly(demo, page: Page, live_server, who):
    sign_in(page, live_server.url, who)
    problems: dict[str, object] = {}
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for _, name, button in [form for form in EMPTY_FORMS if form[0] == who]:
            page.goto(live_server.url + reverse(name))
            page.evaluate(
                "document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })"
            )
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state("networkidle")
            screen = f"{who}-{name.split(':')[1]}-errors-{size}"
            page.screenshot(path=SHOTS / f"{screen}.png", full_page=True)
            found: dict[str, object] = {}
            if not page.locator(".errorlist").count():
                found["errors shown"] = 0
            page.evaluate(AXE)
            if violations := page.evaluate(RUN_AXE):
                found["axe"] = violations
            if size == "phone" and (overflows := page.evaluate(OVERFLOWS)):
                found["overflow"] = overflows[:10]
            if found:
                problems[screen] = found
    assert problems == {}, json.dumps(problems, indent=1)
