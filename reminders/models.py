"""Reminders (rule R10): the email outbox and each user's reminder preferences.

See ``reminders/README.md`` for the delivery guarantees and their one duplicate window.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import DELIVERY_ROLES, SALES_ROLES, Role


class Kind(models.TextChoices):
    """What an email is about; also the name of the preference that turns it off."""

    NEXT_ACTIONS = "next_actions", "Overdue next actions (daily)"
    TASKS = "tasks", "Overdue tasks (daily)"
    APPROVALS = "approvals", "Milestones awaiting my approval (daily)"
    STALE_DEALS = "stale_deals", "Stale deals (weekly, sales managers)"
    MENTIONS = "mentions", "Mentions in comments"


# Who a kind of reminder is for: a choice nobody else is offered (an admin sees them all).
KIND_ROLES: dict[str, frozenset[str]] = {
    Kind.NEXT_ACTIONS: SALES_ROLES,
    Kind.STALE_DEALS: frozenset({Role.SALES_MANAGER}),
    Kind.TASKS: DELIVERY_ROLES,
}


def kinds_for(user: User) -> list[str]:
    """The reminder kinds that can reach ``user``: approvals and mentions reach anyone."""
    if user.has_role(Role.ADMIN):
        return list(Kind.values)
    return [kind for kind in Kind.values if kind not in KIND_ROLES or user.roles & KIND_ROLES[kind]]


class Transactional(models.TextChoices):
    """Emails that are not reminders: always sent, without preferences or an unsubscribe link."""

    PASSWORD_RESET = "password_reset", "Password reset link"
    WEBHOOK_DISABLED = "webhook_disabled", "A webhook endpoint was disabled (admins)"
    # A lead a web form assigned to its owner (webforms): sent at once, not switchable, since
    # the enquiry waits for exactly that person's answer.
    WEB_FORM_LEAD = "web_form_lead", "New web-form lead assigned"


class Status(models.TextChoices):
    # There is deliberately no committed "sending" state: a row being sent is held by a
    # row lock in an open transaction, which the database releases if the sender dies.
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxEmailQuerySet(models.QuerySet["OutboxEmail"]):
    def due(self, now: dt.datetime | None = None) -> "OutboxEmailQuerySet":
        """Pending rows whose (next) attempt is due, oldest first."""
        return self.filter(
            status=Status.PENDING, next_attempt_at__lte=now or timezone.now()
        ).order_by("next_attempt_at", "pk")


class OutboxEmail(models.Model):
    """One email to send, written in the same transaction as the decision to send it.

    ``idempotency_key`` is unique: deciding the same reminder twice finds the existing row.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbox_emails"
    )
    to_address = models.EmailField()
    kind = models.CharField(max_length=20, choices=[*Kind.choices, *Transactional.choices])
    idempotency_key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outbox email"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="reminders_outbox_due",
            ),
            models.Index(fields=["recipient", "-created_at"], name="reminders_outbox_recipient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="reminders_outbox_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.get_status_display()})"


class ReminderPreference(models.Model):
    """Which reminder emails a user wants. No row means every reminder is on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    next_actions = models.BooleanField("overdue next actions", default=True)
    tasks = models.BooleanField("overdue tasks", default=True)
    approvals = models.BooleanField("milestones awaiting my approval", default=True)
    stale_deals = models.BooleanField("stale deals (weekly)", default=True)
    mentions = models.BooleanField("mentions in comments", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder preference"

    def __str__(self) -> str:
        return f"Reminder preferences of {self.user}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))
