"""Where a webhook may go, and posting to it over a connection to the address checked.

Relay refuses to send to its own network: an endpoint's host is resolved and every address
it resolves to must be a public one (not loopback, private, link-local, multicast, reserved
or unspecified), unless the host is listed in ``settings.WEBHOOK_ALLOW_PRIVATE``. The check
runs when an endpoint is registered and again at every send, and the send connects to the
very address that passed (``Host`` header and TLS SNI name the host), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot reach another address.
Only http and https; https unless ``DEBUG`` or the host is allowed as private. Redirects are
never followed: http.client does not, and a 3xx answer counts as a failure.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from webhooks.models import ERROR_EXCERPT, RESPONSE_EXCERPT

#: Seconds to connect, and for each read or write after that.
TIMEOUT = 5.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be posted to; ``message`` says why (in the admin's words)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def allowed_private(host: str) -> bool:
    """Whether ``host`` (a name or an address) is listed in WEBHOOK_ALLOW_PRIVATE."""
    wanted = host.strip("[]").lower().rstrip(".")
    return any(
        wanted == str(item).strip("[]").lower().rstrip(".")
        for item in settings.WEBHOOK_ALLOW_PRIVATE
    )


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to (an address literal is itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise Refused(f"The host {host} cannot be resolved ({error}).") from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused(f"The host {host} resolves to no address.")
    return addresses


@dataclass(frozen=True)
class Target:
    """A URL that passed the checks, and the address to connect to."""

    parts: SplitResult
    host: str
    port: int
    address: IPAddress

    @property
    def path(self) -> str:
        return (self.parts.path or "/") + (f"?{self.parts.query}" if self.parts.query else "")

    @property
    def host_header(self) -> str:
        default = 443 if self.parts.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def check_shape(url: str) -> tuple[SplitResult, str, int]:
    """Scheme, host and port of ``url``; Refused when it is not a URL Relay posts to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("Enter a valid http or https URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Enter a valid http or https URL.")
    if parts.username is not None or parts.password is not None:
        raise Refused("Put no user name or password in the URL.")
    if parts.fragment:
        raise Refused("A webhook URL has no #fragment.")
    host = parts.hostname
    allowed = allowed_private(host)
    if parts.scheme != "https" and not settings.DEBUG and not allowed:
        raise Refused("Use an https URL.")
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def check(url: str) -> Target:
    """The URL's target after every check (resolving its host); Refused says why not."""
    parts, host, port = check_shape(url)
    addresses = resolve(host, port)
    if not allowed_private(host):
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise Refused(
                f"{host} is a private, loopback or otherwise non-public address "
                f"({refused[0]}); Relay does not send webhooks there unless "
                "WEBHOOK_ALLOW_PRIVATE lists the host."
            )
    return Target(parts=parts, host=host, port=port, address=addresses[0])


def check_url(url: str, field: str = "url") -> Target:
    """``check`` for a form or the API: a ValidationError naming ``field``."""
    try:
        return check(url)
    except Refused as error:
        raise ValidationError({field: [ValidationError(error.message, code="refused")]}) from None


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address, the certificate checked for (and SNI naming) the host."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_name = host

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self._server_name
        )


def _storable(text: str) -> str:
    """What a receiver said, as PostgreSQL text can hold it (no NUL characters)."""
    return text.replace("\x00", "\ufffd")


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float = TIMEOUT) -> Answer:
    """POST ``body`` to ``url`` after ``check``; never raises for the network's sake:
    a refusal, a timeout or a broken connection is an Answer without a status code."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check(url)
    except Refused as error:
        return Answer(None, "", f"Refused: {error.message}"[:ERROR_EXCERPT], took())
    connection: http.client.HTTPConnection
    if target.parts.scheme == "https":
        connection = _PinnedHTTPSConnection(target.host, str(target.address), target.port, timeout)
    else:
        connection = http.client.HTTPConnection(str(target.address), target.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header, "Content-Length": str(len(body))},
        )
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        return Answer(response.status, _storable(excerpt), "", took())
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        text = f"{type(error).__name__}: {error}"
        return Answer(None, "", _storable(text)[:ERROR_EXCERPT], took())
    finally:
        connection.close()
