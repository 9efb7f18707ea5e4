"""The company page's Projects section: what projects contributes through crm.panels,
filtered by who may see which project (the handoff lets sales see their won deals')."""

import re
from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory, DealFactory
from handoff.models import Handoff
from projects.selectors import company_projects_for_user
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(lead, member, rep):
    company = CompanyFactory(name="Acme", owner=rep)
    shop = ProjectFactory(
        name="Shop relaunch",
        company=company,
        delivery_lead=lead,
        status="active",
        start_date=date(2026, 3, 2),
        planned_finish=date(2026, 4, 10),
        promised_date=date(2026, 4, 1),
        at_risk=True,
        members=[member],
    )
    ProjectFactory(
        name="Intranet",
        company=company,
        delivery_lead=lead,
        start_date=date(2026, 5, 4),
        planned_finish=date(2026, 6, 1),
        promised_date=date(2026, 6, 30),
    )
    ProjectFactory(name="Someone else's", company=CompanyFactory(), delivery_lead=lead)
    Handoff.objects.create(
        deal=DealFactory(owner=rep, company=company, won=True), project=shop, delivery_lead=lead
    )
    return company


def section(client, user, company) -> str:
    client.force_login(user)
    response = client.get(reverse("crm:company-detail", args=[company.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    if 'id="company-projects"' not in text:
        return ""
    start = text.index('<section class="card" id="company-projects"')
    return text[start : text.index("</section>", start)]


def listed(html: str) -> list[str]:
    return re.findall(r'<a href="/projects/\d+/">([^<]+)</a>', html)


def test_a_delivery_lead_sees_every_project_of_the_company(client, lead, acme):
    html = section(client, lead, acme)
    assert listed(html) == ["Intranet", "Shop relaunch"]  # latest kickoff first
    assert (
        '<td data-label="Planned finish">10 Apr 2026</td>\n'
        '    <td data-label="Promised">1 Apr 2026</td>\n'
        '    <td data-label="Risk"><span class="badge danger">At risk</span></td>'
    ) in html
    assert '<span class="badge status-active">Active</span>' in html
    assert html.count('<span class="badge success">On track</span>') == 1
    assert html.count('<td data-label="Lead">') == 2


def test_others_see_only_the_projects_they_may_open(client, member, rep, other_rep, acme):
    assert listed(section(client, member, acme)) == ["Shop relaunch"]  # a member of it
    assert listed(section(client, rep, acme)) == ["Shop relaunch"]  # their won deal's
    html = section(client, other_rep, acme)
    assert listed(html) == []
    assert "No projects of Acme that you can see." in html
    assert "Intranet" not in html


def test_a_user_who_sees_no_project_at_all_gets_no_section(acme, rep):
    nobody = UserFactory(username="nobody")
    assert company_projects_for_user(nobody, acme.pk) is None
    # A sales rep may come to see projects (their won deals'): the section is there.
    assert company_projects_for_user(rep, acme.pk) is not None


@pytest.mark.parametrize("extra", [0, 12])
def test_the_company_page_query_count_does_not_grow_with_its_projects(
    client, lead, acme, extra, django_assert_num_queries
):
    for i in range(extra):
        ProjectFactory(
            name=f"Phase {i:02}",
            company=acme,
            delivery_lead=UserFactory(role=Role.DELIVERY_LEAD),
            start_date=date(2027, 1, 4),
        )
    client.force_login(lead)
    # session, user, roles, company, deals, contacts, activities, the projects (one, with
    # their leads and count), then the user's and the groups' permissions for the buttons
    with django_assert_num_queries(10):
        response = client.get(reverse("crm:company-detail", args=[acme.pk]))
    text = response.content.decode()
    assert text.count('<td data-label="Lead">') == min(2 + extra, 10)
    if extra:
        assert "Showing the 10 latest of 14 projects (by kickoff)." in text
