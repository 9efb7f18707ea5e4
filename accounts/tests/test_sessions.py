"""Sign out everywhere, and what a password change (on the profile page or by a reset link)
ends: the other sessions and the outstanding reset links, not the API tokens."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import (
    api_token_authenticate,
    api_token_create,
    user_sign_out_everywhere,
)
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-pass-42"


def signed_in(username: str) -> Client:
    """A client signed in through the sign-in form, as a browser is (a real session)."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


# --- Sign out everywhere -------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_session_including_this_one(rep, other_rep):
    laptop, phone, someone_else = signed_in("rep"), signed_in("rep"), signed_in("other_rep")
    response = laptop.post(reverse("accounts:sign-out-everywhere"), follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "You are signed out on every device. Sign in again to continue."
    ]
    assert (is_signed_in(laptop), is_signed_in(phone), is_signed_in(someone_else)) == (
        False,
        False,
        True,
    )
    assert signed_in("rep")  # signing in again works


def test_sign_out_everywhere_is_a_post_with_a_csrf_token(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    assert client.get(reverse("accounts:sign-out-everywhere")).status_code == 405
    assert client.post(reverse("accounts:sign-out-everywhere")).status_code == 403
    assert is_signed_in(client)
    rep.refresh_from_db()
    assert rep.sessions_revoked_at is None


def test_the_profile_page_offers_sign_out_everywhere(client, rep):
    client.force_login(rep)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<form method="post" action="/accounts/sign-out-everywhere/">' in html
    assert "Sign out everywhere</button>" in html


def test_only_the_user_or_an_admin_signs_a_user_out_everywhere(rep, other_rep, admin_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        user_sign_out_everywhere(user=rep, by=other_rep)
    rep.refresh_from_db()
    assert rep.sessions_revoked_at is None
    user_sign_out_everywhere(user=rep, by=admin_user)
    rep.refresh_from_db()
    assert rep.sessions_revoked_at is not None


def test_sessions_made_before_this_feature_stay_valid(rep):
    """Until the first "sign out everywhere", the session hash is exactly Django's."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert rep.sessions_revoked_at is None
    assert rep.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(rep)


# --- A password change ends the other sessions --------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(rep):
    laptop, phone = signed_in("rep"), signed_in("rep")
    response = laptop.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [("/accounts/profile/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Password changed. You were signed out on your other devices."
    ]
    assert (is_signed_in(laptop), is_signed_in(phone)) == (True, False)


def test_a_password_reset_ends_every_session_and_revokes_the_other_links(client, rep):
    phone = signed_in("rep")
    rep.refresh_from_db()
    uid = urlsafe_base64_encode(force_bytes(rep.pk))
    first, second = default_token_generator.make_token(rep), default_token_generator.make_token(rep)
    response = client.get(f"/accounts/reset/{uid}/{first}/", follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/reset/done/")
    rep.refresh_from_db()
    assert rep.check_password(NEW_PASSWORD)
    assert not is_signed_in(phone)
    # Every link made before the change stops working, the one used included.
    assert not default_token_generator.check_token(rep, first)
    assert not default_token_generator.check_token(rep, second)
    again = Client().get(f"/accounts/reset/{uid}/{second}/", follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_password_change_leaves_api_tokens_alone(rep):
    """API tokens are separate credentials made by an admin for an integration (a password
    cannot make one); a password change or signing out everywhere does not revoke them."""
    _, raw = api_token_create(user=rep, name="zapier")
    laptop = signed_in("rep")
    laptop.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    laptop.post(reverse("accounts:sign-out-everywhere"))
    assert api_token_authenticate(raw) == rep
