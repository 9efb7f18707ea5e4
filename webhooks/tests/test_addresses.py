"""Where webhooks may go: public http(s) hosts only, unless WEBHOOK_ALLOW_PRIVATE lists the
host; checked at registration and again at each send (DNS rebinding)."""

import socket

import pytest
from django.core.exceptions import ValidationError

from webhooks import addresses, services
from webhooks.models import Attempt, Delivery, Endpoint, Status

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"  # never connected to: the tests that resolve to it only register


@pytest.fixture
def dns(monkeypatch):
    """Names the tests resolve themselves: ``dns["hooks.example.com"] = "1.2.3.4"``."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    return names


def refusal(url: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        addresses.check_url(url)
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://10.0.0.1/hook", "10.0.0.1"),
        ("https://127.0.0.1:8443/hook", "127.0.0.1"),
        ("https://[::1]/hook", "::1"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("https://localhost/hook", "127.0.0.1"),  # a name that resolves to loopback
        ("https://192.168.1.20/hook", "192.168.1.20"),
        ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"),
        ("https://224.0.0.1/hook", "224.0.0.1"),
        ("https://0.0.0.0/hook", "0.0.0.0"),
        ("https://100.64.0.1/hook", "100.64.0.1"),  # carrier-grade NAT: not global
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url, address):
    [message] = refusal(url)["url"]
    assert f"({address})" in message
    assert "WEBHOOK_ALLOW_PRIVATE" in message


def test_a_name_that_resolves_to_a_private_address_is_refused(dns):
    dns["hooks.internal.example"] = "10.1.2.3"
    [message] = refusal("https://hooks.internal.example/x")["url"]
    assert message.startswith("hooks.internal.example is a private, loopback")


def test_a_public_host_is_accepted(dns):
    dns["hooks.example.com"] = PUBLIC
    target = addresses.check_url("https://hooks.example.com/relay?x=1")
    assert (str(target.address), target.port, target.path, target.host_header) == (
        PUBLIC,
        443,
        "/relay?x=1",
        "hooks.example.com",
    )


@pytest.mark.parametrize(
    ("allowed", "url"),
    [
        (["127.0.0.1"], "http://127.0.0.1:9000/hook"),
        (["localhost"], "http://localhost:9000/hook"),
        (["::1"], "https://[::1]:9000/hook"),
        (["10.0.0.1"], "https://10.0.0.1/hook"),
    ],
)
def test_an_allowed_private_host_is_accepted_even_over_http(settings, allowed, url):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = allowed
    assert addresses.check_url(url).port == 9000 if ":9000" in url else 443


def test_the_allowance_is_per_host(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = ["127.0.0.1"]
    assert "url" in refusal("https://10.0.0.1/hook")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "Enter a valid http or https URL."),
        ("https:///nohost", "Enter a valid http or https URL."),
        ("https://hooks.example.com:99999/x", "Enter a valid http or https URL."),
        ("https://user:pw@hooks.example.com/x", "Put no user name or password in the URL."),
        ("https://hooks.example.com/x#part", "A webhook URL has no #fragment."),
    ],
)
def test_urls_relay_does_not_post_to(url, message):
    assert refusal(url) == {"url": [message]}


def test_https_is_required_when_not_debug(settings, dns):
    dns["hooks.example.com"] = PUBLIC
    settings.DEBUG = False
    assert refusal("http://hooks.example.com/x") == {"url": ["Use an https URL."]}
    settings.DEBUG = True
    assert addresses.check_url("http://hooks.example.com/x").port == 80


def test_an_unknown_host_is_refused_naming_the_url(dns):
    [message] = refusal("https://no-such-host.invalid/x")["url"]
    assert message.startswith("The host no-such-host.invalid cannot be resolved")


def test_registration_refuses_a_private_address_and_keeps_nothing(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.endpoint_create(by=admin_user, url="http://127.0.0.1:9/x", events=["deal.won"])
    assert list(caught.value.message_dict) == ["url"]
    assert not Endpoint.objects.exists()


def test_a_host_that_turns_private_after_registration_is_refused_at_send_time(
    admin_user, dns, receiver
):
    """DNS rebinding: the name passed at registration, then resolves to loopback."""
    dns["hooks.example.com"] = PUBLIC
    endpoint = services.endpoint_create(
        by=admin_user, url=f"https://hooks.example.com:{receiver.port}/x", events=["deal.won"]
    )
    dns["hooks.example.com"] = "127.0.0.1"
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_id="evt_1", event_type="deal.won", payload={"type": "deal.won"}
    )
    report = services.deliveries_send_due()
    assert (report.sent, [d.pk for d in report.retrying]) == ([], [delivery.pk])
    [attempt] = Attempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused: hooks.example.com is a private, loopback")
    assert receiver.received == [] and receiver.unverified == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
