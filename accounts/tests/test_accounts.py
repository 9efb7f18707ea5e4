import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AVATAR_COLOURS, ApiToken, PasswordResetRequest, User
from accounts.roles import Role
from accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    user_create,
)

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups_after_migrations():
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(Role.values)


def test_create_user_command_sets_role_email_and_password(capsys):
    call_command(
        "create_user",
        "rita",
        "--role",
        "sales_rep",
        "--email",
        "rita@example.com",
        "--password",
        "pw-123456!",
    )
    user = User.objects.get(username="rita")
    assert user.email == "rita@example.com"
    assert user.check_password("pw-123456!")
    assert user.roles == frozenset({"sales_rep"})
    assert not user.is_staff
    assert "Created user rita" in capsys.readouterr().out


def test_create_user_command_admin_role_is_staff_and_superuser():
    call_command("create_user", "root", "--role", "admin")
    user = User.objects.get(username="root")
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, True, False)


def test_create_user_command_refuses_a_duplicate_username():
    call_command("create_user", "rita", "--role", "sales_rep")
    with pytest.raises(CommandError, match="username"):
        call_command("create_user", "rita", "--role", "sales_manager")
    assert User.objects.filter(username="rita").count() == 1


def test_user_create_refuses_an_unknown_role_and_creates_nothing():
    with pytest.raises(ValidationError) as error:
        user_create(username="x", role="king")
    assert "role" in error.value.message_dict
    assert not User.objects.filter(username="x").exists()


def test_user_email_is_unique_case_insensitively():
    user_create(username="a", role=Role.SALES_REP, email="Same@Example.com")
    with pytest.raises(ValidationError):
        user_create(username="b", role=Role.SALES_REP, email="same@example.com")


def test_create_api_token_prints_the_token_last_and_stores_only_a_hash(rep, capsys):
    call_command("create_api_token", "rep")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert raw.startswith("relay_") and len(raw) > 40
    token = ApiToken.objects.get(user=rep)
    assert token.key_hash == ApiToken.hash(raw)
    assert raw not in (token.key_hash, token.hint)
    assert api_token_authenticate(raw) == rep


def test_create_api_token_for_unknown_user_fails():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")


def test_revoked_token_and_inactive_user_do_not_authenticate(rep):
    token, raw = api_token_create(user=rep)
    api_token_revoke(token=token)
    assert api_token_authenticate(raw) is None
    _, raw2 = api_token_create(user=rep)
    rep.is_active = False
    rep.save()
    assert api_token_authenticate(raw2) is None
    assert api_token_authenticate("") is None
    assert api_token_authenticate("x" * 5000) is None


def test_anonymous_home_redirects_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_sign_in_then_home_then_sign_out(client, rep):
    response = client.post(
        reverse("accounts:login"), {"username": "rep", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert b"My work" in home.content
    assert b'hx-headers=\'{"X-CSRFToken": "' in home.content
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_sign_in_with_a_wrong_password_shows_an_error(client, rep):
    response = client.post(reverse("accounts:login"), {"username": "rep", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_password_reset_records_the_request_and_sends_nothing_in_the_request(client, rep):
    """The link goes out through the reminders outbox (reminders/tests/test_password_reset.py)."""
    response = client.post(
        reverse("accounts:password-reset"), {"email": "REP@example.com"}, REMOTE_ADDR="192.0.2.7"
    )
    assert (response.status_code, response["Location"]) == (302, "/accounts/password-reset/sent/")
    assert mail.outbox == []
    assert list(PasswordResetRequest.objects.values_list("email", "ip_address", "user")) == [
        ("REP@example.com", "192.0.2.7", rep.pk)
    ]


def test_error_pages_render(client, rep):
    client.force_login(rep)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_admin_lists_and_revokes_tokens(client, admin_user, rep):
    token, _ = api_token_create(user=rep, name="zapier")
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert response.status_code == 200
    assert b"zapier" in response.content
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "rep",
            [
                "My work:/",
                "Pipeline:/pipeline/",
                "Deals:/deals/",
                "Companies:/companies/",
                "Contacts:/contacts/",
                "Projects:/projects/",
                "Dashboards:/dashboards/sales/",
            ],
        ),
        (
            "lead",
            [
                "My work:/",
                "Companies:/companies/",
                "Contacts:/contacts/",
                "Projects:/projects/",
                "Dashboards:/dashboards/delivery/",
            ],
        ),
        (
            "member",
            [
                "My work:/",
                "Companies:/companies/",
                "Contacts:/contacts/",
                "Projects:/projects/",
                "Dashboards:/dashboards/delivery/",
            ],
        ),
        ("no_role", ["My work:/", "Projects:/projects/"]),
    ],
)
def test_navigation_shows_what_the_role_can_open(client, request, role, expected):
    client.force_login(request.getfixturevalue(role))
    items = client.get("/").context["nav_items"]
    assert [f"{i['label']}:{i['url']}" for i in items] == expected
    assert [i["label"] for i in items if i["current"]] == ["My work"]


def test_user_set_role_gives_exactly_one_role_and_only_admins_may(rep, other_rep, admin_user):
    from django.core.exceptions import PermissionDenied

    from accounts.services import user_set_role

    with pytest.raises(PermissionDenied):
        user_set_role(by=other_rep, user=rep, role=Role.ADMIN)
    with pytest.raises(ValidationError) as error:
        user_set_role(by=admin_user, user=rep, role="king")
    assert error.value.error_dict["role"][0].code == "invalid"
    rep.refresh_from_db()
    assert (rep.roles, rep.is_staff, rep.is_superuser) == (
        frozenset({Role.SALES_REP}),
        False,
        False,
    )
    rep.groups.add(Group.objects.get(name=Role.DELIVERY_LEAD))
    user_set_role(by=admin_user, user=rep, role=Role.SALES_MANAGER)
    fresh = User.objects.get(pk=rep.pk)
    assert (fresh.roles, fresh.is_staff, fresh.is_superuser) == (
        frozenset({Role.SALES_MANAGER}),
        False,
        False,
    )
    assert rep.roles == frozenset({Role.SALES_MANAGER})  # the caller's copy too


@pytest.mark.parametrize(
    ("full_name", "username", "initials"),
    [("Rita Rep", "rita", "RR"), ("Anna Maria van Berg", "anna", "AB"), ("", "max", "M")],
)
def test_initials_for_the_avatar(full_name, username, initials):
    assert User(full_name=full_name, username=username).initials == initials


def test_people_with_the_same_initials_have_avatars_of_different_colours():
    rita, ravi = User(pk=41, full_name="Rita Rep"), User(pk=42, full_name="Ravi Rep")
    assert (rita.initials, ravi.initials) == ("RR", "RR")
    assert (rita.avatar_colour, ravi.avatar_colour) == (1, 2)
    assert {User(pk=pk).avatar_colour for pk in range(1, 17)} == set(range(AVATAR_COLOURS))
