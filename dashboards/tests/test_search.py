"""Search reaches projects too, only those the user may see."""

import datetime as dt

import pytest
from django.urls import reverse

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
