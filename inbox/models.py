"""The capture mailbox's state and every message read from it.

``MailboxState`` remembers, per mailbox (server, user and folder), the folder's UIDVALIDITY
and the last UID read, so each poll fetches only newer messages. ``InboundEmail`` is one
message, kept once by its Message-ID: what it says (bounded), and what became of it
(matched to a deal, a company or a contact; unmatched, waiting in the review list; or
discarded by a reviewer).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from inputs.fields import DateTimeField, LineField, TextField

# The bounds of what is kept of a message (the rest is cut off).
MESSAGE_ID_LENGTH = 255
SUBJECT_LENGTH = 500
NAME_LENGTH = 200
TEXT_LENGTH = 50_000
ADDRESSES_KEPT = 100


class MailboxState(models.Model):
    key = models.CharField(
        max_length=500, unique=True, help_text="scheme://user@host:port/folder (no password)"
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "mailbox state"

    def __str__(self) -> str:
        return self.key


class Status(models.TextChoices):
    MATCHED = "matched", "Matched"
    UNMATCHED = "unmatched", "Waiting for review"
    DISCARDED = "discarded", "Discarded"


class InboundEmail(models.Model):
    message_id = models.CharField("Message-ID", max_length=MESSAGE_ID_LENGTH, unique=True)
    synthesized_id = models.BooleanField(
        default=False, help_text="The message had no Message-ID; this one is a hash of it."
    )
    from_address = models.CharField(max_length=254, blank=True)
    from_name = LineField(max_length=NAME_LENGTH, blank=True)
    to = models.JSONField(default=list, blank=True)  # addresses, lower case
    cc = models.JSONField(default=list, blank=True)
    # Addresses found in a forwarded message's own headers (in its text or attached).
    forwarded = models.JSONField(default=list, blank=True)
    subject = LineField(max_length=SUBJECT_LENGTH, blank=True)
    text = TextField(blank=True)
    sent_at = DateTimeField(null=True, blank=True, help_text="From the Date header, in UTC.")
    received_at = models.DateTimeField(auto_now_add=True)
    mailbox = models.CharField(max_length=500, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNMATCHED)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The Relay user whose address the message carries (who sent or forwarded it).",
    )
    deal = models.ForeignKey(
        "crm.Deal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey(
        "crm.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activity = models.ForeignKey(
        "crm.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who attached or discarded it from the review list.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = "inbound email"
        indexes = [
            models.Index(fields=["status", "-received_at", "-id"], name="inbox_email_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="inbox_email_status_known"
            ),
            models.CheckConstraint(condition=~Q(message_id=""), name="inbox_email_message_id_set"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_address or 'unknown'}"

    @property
    def sender(self) -> str:
        if self.from_name and self.from_address:
            return f"{self.from_name} <{self.from_address}>"
        return self.from_address or self.from_name

    @property
    def snippet(self) -> str:
        return " ".join(self.text[:300].split())[:160]
