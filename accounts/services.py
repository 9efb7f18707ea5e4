"""Writes for accounts: users, roles, profiles and API tokens."""

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, PasswordResetRequest, Submission, User
from accounts.roles import Role
from inputs.text import has_breaking_characters

logger = logging.getLogger(__name__)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    email: str = "",
    password: str | None = None,
    full_name: str = "",
    time_zone: str = "UTC",
) -> User:
    """Create a user with one role. Admins are also staff and superusers."""
    _check_role(role)
    user = User(username=username, email=email, full_name=full_name, time_zone=time_zone)
    _apply_role_flags(user, role)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(
            {
                "role": ValidationError(
                    f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.",
                    code="invalid",
                )
            }
        )


def _apply_role_flags(user: User, role: str) -> None:
    """The one definition of what the admin role means for Django: staff and superuser.

    Any other role is neither (a superuser counts as an admin in ``User.roles``).
    """
    user.is_staff = user.is_superuser = role == Role.ADMIN


@transaction.atomic
def user_set_role(*, by: User, user: User, role: str) -> User:
    """Give ``user`` exactly one role, replacing any others; only admins may.

    The same one-role rule as ``user_create``. An admin cannot take the admin role from
    themselves (another admin can), so an installation never loses its last way in by
    accident.
    """
    if not by.has_role(Role.ADMIN):
        raise PermissionDenied("Only admins can change roles.")
    _check_role(role)
    if user.pk == by.pk and role != Role.ADMIN:
        raise ValidationError(
            {
                "role": ValidationError(
                    "You cannot take the admin role from yourself; ask another admin.",
                    code="own_admin_role",
                )
            }
        )
    locked = User.objects.select_for_update().get(pk=user.pk)
    _apply_role_flags(locked, role)
    locked.save(update_fields=["is_staff", "is_superuser"])
    locked.groups.set([Group.objects.get(name=role)])
    user.is_staff, user.is_superuser = locked.is_staff, locked.is_superuser
    user.__dict__.pop("roles", None)
    return user


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=ApiToken.hash(raw), hint=raw[: len(ApiToken.PREFIX) + 4]
    )
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a raw token, or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash(raw)).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoke()
        token.save(update_fields=["revoked_at"])
    return token


# Apps that keep values derived from a user's time zone (the CRM's "overdue" moments)
# register here, so accounts never imports them.
_time_zone_listeners: list[Callable[[User], object]] = []


def register_time_zone_listener(listener: Callable[[User], object]) -> None:
    if listener not in _time_zone_listeners:
        _time_zone_listeners.append(listener)


@transaction.atomic
def user_update_profile(
    *, user: User, by: User, full_name: str, email: str, time_zone: str
) -> User:
    """A user edits their own name, email and time zone (admins may edit anyone's)."""
    if by.pk != user.pk and not by.has_role(Role.ADMIN):
        raise PermissionDenied("You can only change your own profile.")
    zone_changed = time_zone != user.time_zone
    user.full_name = full_name.strip()
    user.email = email.strip()
    user.time_zone = time_zone
    user.full_clean()
    user.save(update_fields=["full_name", "email", "time_zone"])
    if zone_changed:
        user_time_zone_changed(user)
    return user


def user_time_zone_changed(user: User) -> None:
    """Recompute what depends on the user's zone (due moments of their open deals)."""
    for listener in _time_zone_listeners:
        listener(user)


# Sessions and password resets --------------------------------------------------------------


@transaction.atomic
def user_sign_out_everywhere(*, user: User, by: User) -> User:
    """End every session of ``user``, on every device, including the one that asked.

    Sessions carry a hash that includes ``sessions_revoked_at`` (see
    ``User._get_session_auth_hash``); moving it ends them all on their next request, whatever
    the session store. API tokens are separate credentials and stay as they are.
    """
    if by.pk != user.pk and not by.has_role(Role.ADMIN):
        raise PermissionDenied("You can only sign yourself out.")
    user.sessions_revoked_at = timezone.now()
    User.objects.filter(pk=user.pk).update(sessions_revoked_at=user.sessions_revoked_at)
    return user


def _new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_token(*, user: User) -> str:
    """The secret of ``user``'s calendar feed, made on the first ask (the row locked, so two
    first asks at once agree on one)."""
    if user.calendar_token:
        return user.calendar_token
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.calendar_token:
            locked.calendar_token = _new_calendar_token()
            locked.save(update_fields=["calendar_token"])
    user.calendar_token = locked.calendar_token
    return user.calendar_token


def calendar_feed_url(*, user: User) -> str:
    """The address of ``user``'s feed (served by the calendars app), absolute."""
    return settings.SITE_URL + reverse("calendars:feed", args=[calendar_token(user=user)])


def calendar_token_renew(*, user: User, by: User) -> str:
    """A new secret for ``user``'s calendar feed: the old address stops working at once."""
    if by.pk != user.pk and not by.has_role(Role.ADMIN):
        raise PermissionDenied("You can only renew your own calendar address.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.calendar_token = _new_calendar_token()
        locked.save(update_fields=["calendar_token"])
    user.calendar_token = locked.calendar_token
    return user.calendar_token


def _reset_limits() -> tuple[int, int, dt.timedelta]:
    return (
        settings.PASSWORD_RESET_EMAILS_PER_ADDRESS,
        settings.PASSWORD_RESET_REQUESTS_PER_IP,
        dt.timedelta(hours=settings.PASSWORD_RESET_THROTTLE_HOURS),
    )


def _reset_recipient(email: str) -> User | None:
    """The user a reset link for ``email`` would go to, locked, as Django's reset form picks
    them: active, with a usable password, the address equal ignoring case."""
    for user in User.objects.select_for_update().filter(email__iexact=email, is_active=True):
        if user.has_usable_password() and user.email.casefold() == email.casefold():
            return user
    return None


@transaction.atomic
def password_reset_request(
    *, email: str, ip_address: str | None, now: dt.datetime | None = None
) -> PasswordResetRequest | None:
    """Someone asked for a reset link for ``email``: record it, throttled; the reminders app
    sends the link (through its outbox, within a minute) for each row with a ``user``.

    Per window (settings ``PASSWORD_RESET_*``): at most ``REQUESTS_PER_IP`` requests from one
    client address (over that, nothing is recorded, so a flood cannot grow the table) and at
    most ``EMAILS_PER_ADDRESS`` links to one user (the recipient's row is locked, so
    concurrent requests count one after the other). The caller answers the same page
    whatever happened, so neither the limits nor the existence of an account leak.
    """
    now = now or timezone.now()
    per_address, per_ip, window = _reset_limits()
    since = now - window
    email = email.strip()
    recent = PasswordResetRequest.objects.filter(created_at__gt=since)
    if ip_address and recent.filter(ip_address=ip_address).count() >= per_ip:
        logger.warning("Password reset refused: %s asked too often.", ip_address)
        return None
    user = _reset_recipient(email)
    if user is not None and recent.filter(user=user).count() >= per_address:
        logger.warning("Password reset for user %s not sent: too many links asked for.", user.pk)
        user = None
    return PasswordResetRequest.objects.create(
        email=email[:254], ip_address=ip_address, user=user, created_at=now
    )


#: Password reset requests are kept this long (the throttle needs one window of them).
PASSWORD_RESET_KEPT = dt.timedelta(days=7)


def password_resets_purge(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - PASSWORD_RESET_KEPT
    deleted, _ = PasswordResetRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# Submitted once ----------------------------------------------------------------------------

SUBMISSION_TTL = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Outcome:
    """What a create answered: an HTTP status, a body (JSON text) and/or a location."""

    status: int
    body: str = ""
    location: str = ""
    replayed: bool = False


def submit_once(
    *, user: User, scope: str, key: str, fingerprint: str = "", handle: Callable[[], Outcome]
) -> Outcome:
    """Run ``handle`` once per (user, scope, key); a repeat gets the first outcome again.

    ``handle`` runs in the same transaction as the key's row: if it raises, nothing is
    kept and the key may be used again. A concurrent duplicate waits on the key's unique
    index until the first commits, then replays its outcome. The same key with another
    ``fingerprint`` (another request body) is refused.
    """
    if not key or len(key) > 200 or has_breaking_characters(key):
        raise ValidationError(
            {"idempotency_key": ["Use a key of 1 to 200 printable characters."]}, code="invalid"
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    user=user, scope=scope, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            first = Submission.objects.get(user=user, scope=scope, key=key)
            if first.fingerprint != fingerprint:
                raise ValidationError(
                    {
                        "idempotency_key": [
                            "This key was already used for another request; use a new key."
                        ]
                    },
                    code="reused",
                ) from None
            return Outcome(first.status, first.body, first.location, replayed=True)
        outcome = handle()
        submission.status, submission.body, submission.location = (
            outcome.status,
            outcome.body,
            outcome.location,
        )
        submission.save(update_fields=["status", "body", "location"])
        return outcome


def submissions_purge(now: dt.datetime | None = None) -> int:
    """Forget submissions older than a day (the window in which a retry is recognised)."""
    cutoff = (now or timezone.now()) - SUBMISSION_TTL
    deleted, _ = Submission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
