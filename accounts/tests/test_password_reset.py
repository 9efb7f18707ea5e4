"""Password reset requests: throttled per address and per client, recorded, and never mailed
inside the request (reminders sends the link from its outbox)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.models import PasswordResetRequest, User
from accounts.services import password_reset_request, password_resets_purge

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password-reset")


def links(user: User) -> int:
    return PasswordResetRequest.objects.filter(user=user).count()


def test_twelve_reset_requests_for_one_address_record_three_links(client, rep):
    answers = set()
    for n in range(12):
        response = client.post(RESET, {"email": "rep@example.com"}, REMOTE_ADDR=f"192.0.2.{n}")
        answers.add((response.status_code, response["Location"]))
    assert answers == {(302, "/accounts/password-reset/sent/")}
    assert links(rep) == 3
    assert PasswordResetRequest.objects.count() == 12  # each counts against its client
    assert mail.outbox == []


def test_an_address_may_ask_again_once_the_window_has_passed(rep):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(4):
            password_reset_request(email="rep@example.com", ip_address="192.0.2.1")
    assert links(rep) == 3
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC), tick=False):
        password_reset_request(email="rep@example.com", ip_address="192.0.2.1")
    assert links(rep) == 4


def test_one_client_gets_ten_requests_an_hour_whatever_the_addresses(client, rep):
    for n in range(10):
        client.post(RESET, {"email": f"nobody{n}@example.com"}, REMOTE_ADDR="198.51.100.9")
    response = client.post(RESET, {"email": "rep@example.com"}, REMOTE_ADDR="198.51.100.9")
    assert (response.status_code, response["Location"]) == (302, "/accounts/password-reset/sent/")
    assert links(rep) == 0
    assert PasswordResetRequest.objects.filter(ip_address="198.51.100.9").count() == 10
    other = client.post(RESET, {"email": "rep@example.com"}, REMOTE_ADDR="198.51.100.10")
    assert other.status_code == 302
    assert links(rep) == 1


def test_the_limits_come_from_the_settings(settings, rep):
    settings.PASSWORD_RESET_EMAILS_PER_ADDRESS = 1
    settings.PASSWORD_RESET_REQUESTS_PER_IP = 2
    for _ in range(3):
        password_reset_request(email="rep@example.com", ip_address="192.0.2.1")
    assert (links(rep), PasswordResetRequest.objects.count()) == (1, 2)


@pytest.mark.parametrize("case", ["unknown", "inactive", "no_password"])
def test_no_link_for_an_address_without_a_user_who_could_use_it(client, rep, case):
    if case == "inactive":
        rep.is_active = False
        rep.save()
    if case == "no_password":
        rep.set_unusable_password()
        rep.save()
    email = "ghost@example.com" if case == "unknown" else "rep@example.com"
    response = client.post(RESET, {"email": email})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password-reset/sent/")
    assert list(PasswordResetRequest.objects.values_list("email", "user")) == [(email, None)]


def test_an_invalid_address_is_a_form_error_and_records_nothing(client):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert not PasswordResetRequest.objects.exists()


def test_old_reset_requests_are_purged_after_a_week(rep):
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), tick=False):
        password_reset_request(email="rep@example.com", ip_address=None)
    with time_machine.travel(dt.datetime(2026, 3, 7, tzinfo=dt.UTC), tick=False):
        recent = password_reset_request(email="rep@example.com", ip_address=None)
    assert password_resets_purge(now=dt.datetime(2026, 3, 8, 1, tzinfo=dt.UTC)) == 1
    assert list(PasswordResetRequest.objects.all()) == [recent]
