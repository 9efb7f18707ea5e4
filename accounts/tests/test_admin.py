"""The users admin gives roles through the user services (one role each), deletes no one,
and the roles themselves are read-only; API tokens are revoked, never deleted."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import ApiToken, PasswordResetRequest, User
from accounts.roles import Role
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def change_data(user: User, **changes: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "time_zone": user.time_zone,
        "is_active": "on",
    }
    roles = sorted(user.roles)
    if len(roles) == 1:
        data["role"] = roles[0]
    data.update(changes)
    return data


def groups(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def flags(user: User) -> tuple[bool, bool]:
    user.refresh_from_db()
    return user.is_staff, user.is_superuser


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def action_names(response) -> list[str]:
    form = response.context["action_form"]
    return [] if form is None else [name for name, _ in form.fields["action"].choices if name]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_user_form_shows_one_role_choice_and_no_groups_widget(admin_client, rep):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[rep.pk]))
    form = response.context["adminform"].form
    assert "groups" not in form.fields and "user_permissions" not in form.fields
    assert form["role"].value() == Role.SALES_REP
    assert [value for value, _ in form.fields["role"].choices] == Role.values
    html = response.content.decode()
    assert '<select name="role"' in html and 'name="groups"' not in html
    assert 'name="is_superuser"' not in html and 'name="is_staff"' not in html  # read-only


def test_changing_the_role_replaces_it_and_sets_the_admin_flags(admin_client, rep):
    url = reverse("admin:accounts_user_change", args=[rep.pk])
    response = admin_client.post(url, change_data(rep, role=Role.ADMIN))
    assert response.status_code == 302
    assert (groups(rep), flags(rep)) == ([Role.ADMIN], (True, True))
    response = admin_client.post(url, change_data(rep, role=Role.DELIVERY_LEAD))
    assert response.status_code == 302
    assert (groups(rep), flags(rep)) == ([Role.DELIVERY_LEAD], (False, False))


def test_posted_groups_are_ignored_one_role_stays(admin_client, rep):
    """The hole: the form used to set groups directly, so a user could get several roles."""
    url = reverse("admin:accounts_user_change", args=[rep.pk])
    manager = Group.objects.get(name=Role.SALES_MANAGER)
    lead = Group.objects.get(name=Role.DELIVERY_LEAD)
    data = change_data(rep, role=Role.SALES_MANAGER)
    response = admin_client.post(url, {**data, "groups": [manager.pk, lead.pk]})
    assert response.status_code == 302
    assert groups(rep) == [Role.SALES_MANAGER]


def test_a_user_with_several_roles_is_given_one(admin_client):
    both = UserFactory(username="both", role=Role.SALES_MANAGER)
    both.groups.add(Group.objects.get(name=Role.DELIVERY_LEAD))
    url = reverse("admin:accounts_user_change", args=[both.pk])
    form = admin_client.get(url).context["adminform"].form
    assert form["role"].value() is None
    assert form.fields["role"].help_text.startswith(
        "This user has several roles (delivery_lead, sales_manager); choose the one they keep."
    )
    response = admin_client.post(url, change_data(both))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"role": ["This field is required."]}
    response = admin_client.post(url, change_data(both, role=Role.SALES_MANAGER))
    assert response.status_code == 302
    assert groups(both) == [Role.SALES_MANAGER]


def test_an_admin_cannot_take_the_admin_role_from_themselves(admin_client, admin_user):
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    response = admin_client.post(url, change_data(admin_user, role=Role.SALES_REP, full_name="X"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "role": ["You cannot take the admin role from yourself; ask another admin."]
    }
    admin_user.refresh_from_db()
    assert (groups(admin_user), flags(admin_user), admin_user.full_name) == (
        [Role.ADMIN],
        (True, True),
        admin_user.full_name,
    )


def test_other_fields_save_without_touching_the_role(admin_client, rep):
    url = reverse("admin:accounts_user_change", args=[rep.pk])
    response = admin_client.post(url, change_data(rep, full_name="Rita Renamed"))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.full_name, groups(rep), flags(rep)) == (
        "Rita Renamed",
        [Role.SALES_REP],
        (False, False),
    )


def test_adding_a_user_goes_through_user_create(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "full_name": "New Bie",
            "role": Role.ADMIN,
            "usable_password": "true",
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])
    assert (user.email, user.full_name, groups(user), flags(user)) == (
        "newbie@example.com",
        "New Bie",
        [Role.ADMIN],
        (True, True),
    )
    assert user.check_password("a-long-new-password-7")


def test_adding_a_user_without_a_password(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "sso", "email": "", "role": Role.DELIVERY_MEMBER, "usable_password": "false"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="sso")
    assert (groups(user), user.has_usable_password()) == ([Role.DELIVERY_MEMBER], False)


def test_adding_a_user_needs_a_role(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "norole2", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"role": ["This field is required."]}
    assert not User.objects.filter(username="norole2").exists()


def test_users_are_never_deleted_in_the_admin(admin_client, rep):
    assert admin_client.get(reverse("admin:accounts_user_delete", args=[rep.pk])).status_code == 403
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert action_names(response) == ["new_calendar_address"]  # and no "delete selected"
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [rep.pk], "post": "yes"},
    )
    assert response.status_code == 302  # back to the list: there is no such action
    assert User.objects.filter(pk=rep.pk).exists()


def test_the_roles_are_read_only(admin_client):
    group = Group.objects.get(name=Role.SALES_REP)
    assert admin_client.get(reverse("admin:auth_group_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:auth_group_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "renamed"}
    )
    assert response.status_code == 403
    delete = admin_client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(Role.values)


def test_the_revoke_action_answers_a_message_and_tokens_are_never_deleted(admin_client, rep):
    live, _ = api_token_create(user=rep, name="live")
    old, _ = api_token_create(user=rep, name="old")
    old.revoke()
    old.save()
    url = reverse("admin:accounts_apitoken_changelist")
    response = admin_client.post(
        url, {"action": "revoke", "_selected_action": [live.pk, old.pk]}, follow=True
    )
    assert messages_of(response) == ["Revoked 1 token(s).", "Skipped 1 token(s) revoked before."]
    live.refresh_from_db()
    assert live.revoked_at is not None
    assert "delete_selected" not in dict(response.context["action_form"].fields["action"].choices)
    assert (
        admin_client.get(reverse("admin:accounts_apitoken_delete", args=[live.pk])).status_code
        == 403
    )
    assert ApiToken.objects.count() == 2


def test_password_reset_requests_are_read_only(admin_client, rep):
    request = PasswordResetRequest.objects.create(email="rep@example.com", user=rep)
    assert (
        admin_client.get(reverse("admin:accounts_passwordresetrequest_changelist")).status_code
        == 200
    )
    change = reverse("admin:accounts_passwordresetrequest_change", args=[request.pk])
    assert admin_client.post(change, {"email": "x@example.com"}).status_code == 403
    delete = reverse("admin:accounts_passwordresetrequest_delete", args=[request.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    request.refresh_from_db()
    assert request.email == "rep@example.com"
