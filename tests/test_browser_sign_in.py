import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_sign_in_and_see_my_work(page: Page, live_server):
    UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My work")
    page.get_by_text("Rita Rep ▾").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
