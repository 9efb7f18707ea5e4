"""Search reaches projects too, only those the user may see."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.tests.factories import CompanyFactory
from dashboards.views import SEARCH_LIMIT
from projects.services import project_create

pytestmark = pytest.mark.django_db


def test_search_finds_projects_the_user_may_see(client, lead, member):
    project = project_create(
        by=lead, name="Acme rollout", delivery_lead=lead, start_date=dt.date(2026, 11, 30)
    )
    client.force_login(lead)
    assert client.get(reverse("dashboards:search") + "?q=rollout").context["results"][
        "projects"
    ] == [project]
    client.force_login(member)
    assert (
        client.get(reverse("dashboards:search") + "?q=rollout").context["results"]["projects"] == []
    )


def test_a_full_kind_of_results_links_to_its_whole_list(client, rep, member):
    for i in range(SEARCH_LIMIT + 1):
        CompanyFactory(name=f"Acme {i:02}", owner=rep)
    client.force_login(rep)
    response = client.get(reverse("dashboards:search"), {"q": "acme"})
    assert len(response.context["results"]["companies"]) == SEARCH_LIMIT
    page = response.content.decode()
    assert '<a href="/companies/?q=acme">The best 20 shown; every matching company</a>' in page
    assert "every matching contact" not in page  # no contact matches: nothing more to see
    assert "<h2>Deals</h2>" in page
    client.force_login(member)  # sees no deals at all: no Deals section to say so
    assert (
        "<h2>Deals</h2>"
        not in client.get(reverse("dashboards:search"), {"q": "acme"}).content.decode()
    )
