"""Webhooks: endpoints that admins register, and the outbox of deliveries to them.

A ``Delivery`` is written for each active endpoint subscribed to an event, in the same
transaction as the change that emitted it (``records.events``), so a delivery exists
exactly when its change committed. ``(endpoint, event_id)`` is unique: one event is one
delivery per endpoint, however often it is retried. Every try is logged as an ``Attempt``.
"""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inputs.fields import LineField
from records.events import EVENT_TYPES

#: The ``type`` of the admin's "Send a test event": never emitted by the domain, so no
#: endpoint subscribes to it.
TEST_EVENT = "webhook.test"
EVENT_CHOICES = [(name, name) for name in EVENT_TYPES]
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
#: Bounds of what an attempt's log keeps of the receiver's answer.
RESPONSE_EXCERPT = 2048
ERROR_EXCERPT = 1000


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class Endpoint(models.Model):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    url = models.URLField("URL", max_length=2000)
    events = models.JSONField(default=list, help_text="The event types it receives.")
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    description = LineField(max_length=200, blank=True)
    is_active = models.BooleanField("active", default=True)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.url

    @property
    def masked_secret(self) -> str:
        return f"{SECRET_PREFIX}…{self.secret[-4:]}"


class Status(models.TextChoices):
    # As in the email outbox: no committed "sending" state. A delivery being sent is held
    # by a row lock in an open transaction, which the database releases if the sender dies.
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def due(self, now=None) -> "DeliveryQuerySet":
        """Pending deliveries to active endpoints whose (next) attempt is due, oldest first."""
        return self.filter(
            status=Status.PENDING,
            next_attempt_at__lte=now or timezone.now(),
            endpoint__is_active=True,
        ).order_by("next_attempt_at", "pk")


class Delivery(models.Model):
    """One event for one endpoint; its body is ``{"type", "timestamp", "data"}``."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=40, choices=[*EVENT_CHOICES, (TEST_EVENT, TEST_EVENT)])
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=ERROR_EXCERPT, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhooks_delivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="webhooks_delivery_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="webhooks_delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhooks_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.get_status_display()})"


class Attempt(models.Model):
    """One try of a delivery: what the receiver answered, or why nothing was answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 2 KB of the answer.")
    error = models.CharField(max_length=ERROR_EXCERPT, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "delivery attempt"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
