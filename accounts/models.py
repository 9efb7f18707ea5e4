import hashlib
import secrets
import zoneinfo
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.formats import format_datetime
from accounts.roles import Role
from inputs.fields import LineField

TIME_ZONES = frozenset(zoneinfo.available_timezones())  # the zones a user or a file may name
TIME_ZONE_CHOICES = sorted((tz, tz) for tz in TIME_ZONES)


# Avatars come in this many colours (app.css), each with white initials at 5:1 or more.
AVATAR_COLOURS = 8


class User(AbstractUser):
    """A person who signs in. Roles are groups named after ``Role`` values."""

    email = models.EmailField("email address", blank=True)
    full_name = LineField(max_length=150, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    sessions_revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The last “sign out everywhere”: every session begun before it has ended.",
    )
    # The secret in the address of the user's iCalendar feed (calendars); a new one ends the
    # old address. Made when the user first asks for the feed.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with this email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def initials(self) -> str:
        """Up to two letters for an avatar: "Rita Rep" -> "RR", "rita" -> "R"."""
        words = self.display_name.split()
        return "".join(word[0] for word in words[:1] + words[1:][-1:]).upper()

    @property
    def avatar_colour(self) -> int:
        """Which of the avatar colours (``AVATAR_COLOURS``, app.css ``.avatar.c0`` …) is the
        user's, so two people with the same initials still look different."""
        return (self.pk or 0) % AVATAR_COLOURS

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's role names; prefetched groups are used when present."""
        names = {group.name for group in self.groups.all()}
        if self.is_superuser:
            names.add(Role.ADMIN)
        return frozenset(name for name in names if name in Role.values)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's HMAC of the password, which every session carries and every request checks,
        plus the moment of the last "sign out everywhere" once there was one.

        A new password, or signing out everywhere, changes it, so every older session ends on
        its next request (``update_session_auth_hash`` keeps the current one after a password
        change). Until the first "sign out everywhere" it is exactly Django's value, so
        sessions made before this existed stay valid.
        """
        value = self.password
        if self.sessions_revoked_at is not None:
            value = f"{value}:{self.sessions_revoked_at.isoformat()}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 hash of the token is stored."""

    PREFIX = "relay_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = LineField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=12, editable=False, help_text="First characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def hash(cls, raw: str) -> str:
        return _hash_token(raw)

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    def revoke(self) -> None:
        self.revoked_at = timezone.now()


class Submission(models.Model):
    """A create request that was handled once: a double-submitted form or an API POST
    retried with the same ``Idempotency-Key`` gets the first outcome again, never a second
    object. The unique key makes concurrent duplicates wait for the first and then replay it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=100, help_text="What was submitted, e.g. api:POST /deals.")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, blank=True)
    status = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="accounts_submission_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class PasswordResetRequest(models.Model):
    """Someone asked for a password reset link for ``email`` from ``ip_address``.

    Every request that passed the per-client limit is a row: the throttle counts them.
    ``user`` is set when a link is to be sent (an active user with a usable password has
    this address, and the per-address limit allows it); the reminders app finds those rows
    and sends the link through its outbox (key ``password_reset:<id>``), so accounts never
    sends mail inside a request.
    """

    email = models.EmailField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "password reset request"
        indexes = [
            models.Index(fields=["ip_address", "created_at"], name="accounts_reset_ip"),
            models.Index(fields=["user", "created_at"], name="accounts_reset_user"),
        ]

    def __str__(self) -> str:
        return f"{self.email} at {format_datetime(self.created_at)}"
