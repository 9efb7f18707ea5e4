"""Issue 14: a task's assignee is picked by typing, among the people task_create accepts."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from projects.models import Task

pytestmark = pytest.mark.django_db


def options(response) -> list[str]:
    return re.findall(r'data-label="([^"]*)"', response.content.decode())


def test_assignee_lookup_lists_active_delivery_people_only(client, lead, member):
    UserFactory(username="max", full_name="Max Member", role=Role.DELIVERY_MEMBER)
    UserFactory(username="mia", full_name="Mia Member", role=Role.DELIVERY_MEMBER, is_active=False)
    UserFactory(username="mo", full_name="Mo Admin", role=Role.ADMIN)  # no delivery role
    UserFactory(username="meg", full_name="Meg Rep", role=Role.SALES_REP)
    client.force_login(lead)
    url = reverse("projects:assignee-lookup")
    found = options(client.get(url, {"q": "member"}))
    assert found == sorted([member.display_name, "Max Member"])
    assert options(client.get(url, {"q": "meg"})) == []


def test_assignee_lookup_roles(client, rep, manager, lead, member, admin_user, no_role):
    url = reverse("projects:assignee-lookup")
    got = {}
    for user in (rep, manager, lead, member, admin_user, no_role):
        client.force_login(user)
        got[user.username] = client.get(url).status_code
    assert got == {
        "rep": 403,
        "manager": 403,
        "lead": 200,
        "member": 403,
        "admin": 200,
        "norole": 403,
    }


def test_assignee_lookup_queries_do_not_grow(client, lead, django_assert_num_queries):
    client.force_login(lead)
    url = reverse("projects:assignee-lookup")
    client.get(url)
    # session, user, roles, the suggestions
    with django_assert_num_queries(4):
        client.get(url)
    for _ in range(25):
        UserFactory(role=Role.DELIVERY_MEMBER)
    with django_assert_num_queries(4):
        assert len(options(client.get(url))) == 20


def test_a_task_assignee_without_a_delivery_role_is_a_field_error(
    client, lead, member, admin_user, project
):
    client.force_login(lead)
    url = reverse("projects:task-create", args=[project.pk])
    response = client.post(url, {"title": "Design", "duration_days": 2, "assignee": admin_user.pk})
    assert response.status_code == 422
    assert response.context["form"].errors["assignee"] == [
        "Choose one of the suggestions: that choice is not available."
    ]
    assert not Task.objects.exists()
    response = client.post(url, {"title": "Design", "duration_days": 2, "assignee": member.pk})
    assert response.status_code == 302
    assert Task.objects.get(title="Design").assignee == member
