"""Throttling per client address and form, in Django's cache (Redis when ``REDIS_URL`` is
set): at most ``WEBFORMS_PER_MINUTE`` submissions in a clock minute and
``WEBFORMS_PER_HOUR`` in a clock hour. Fixed windows: a counter per window, expiring with
it, so a burst costs one cache round trip per window and nothing in the database."""

import datetime as dt
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def client_hash(ip: str | None) -> str:
    """A keyed hash of the client's address (never stored as such). IPv6 addresses are
    cut to their /64 first: one household or host has a whole /64 to hop around in."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if address.version == 6:
        address = ipaddress.ip_network(f"{address}/64", strict=False).network_address
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"webforms:{address}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window that refused ends
    first_refusal: bool = False  # the first refused request of that window (logged)


def _windows(now: dt.datetime) -> list[tuple[str, int, int, int]]:
    """(name, window number, limit, seconds left) for the minute and the hour of ``now``."""
    stamp = int(now.timestamp())
    return [
        ("m", stamp // 60, int(settings.WEBFORMS_PER_MINUTE), 60 - stamp % 60),
        ("h", stamp // 3600, int(settings.WEBFORMS_PER_HOUR), 3600 - stamp % 3600),
    ]


def hit(*, form_key: str, client: str, now: dt.datetime) -> Verdict:
    """Count one submission from ``client`` to ``form_key``; refused when a window is full.
    Every request counts, refused ones too, so hammering keeps the sender out."""
    if not client:
        return Verdict(allowed=True)
    verdict = Verdict(allowed=True)
    for name, number, limit, left in _windows(now):
        key = f"webforms:throttle:{form_key}:{client}:{name}{number}"
        cache.add(key, 0, timeout=left + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=left + 5)
            count = 1
        if count > limit and verdict.allowed:
            verdict = Verdict(allowed=False, retry_after=left, first_refusal=count == limit + 1)
    return verdict
