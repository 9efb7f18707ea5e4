"""Steps the browser tests share."""

from playwright.sync_api import Page, expect

from accounts.tests.factories import PASSWORD


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign ``username`` in through the login form; they land on My work."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
