"""Reminder emails: absolute links, signed unsubscribe tokens, and rendering.

Links are absolute: ``settings.SITE_URL`` plus the path of the screen (reversed from the
crm and projects URL names), so a worker can render an email without a request.
"""

import email.policy
import hashlib
from dataclasses import dataclass
from email.policy import Policy
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.formats import users_zone
from accounts.models import User
from inputs.text import one_line
from reminders.models import Kind, OutboxEmail, Transactional

UNSUBSCRIBE_SALT = "reminders.unsubscribe"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def deal_url(deal_id: int) -> str:
    return absolute(reverse("crm:deal-detail", args=[deal_id]))  # /deals/<id>/


def task_url(task_id: int) -> str:
    return absolute(reverse("projects:task-detail", args=[task_id]))  # /projects/tasks/<id>/


def project_url(project_id: int) -> str:
    return absolute(reverse("projects:project-detail", args=[project_id]))  # /projects/<id>/


def preferences_url() -> str:
    return absolute(reverse("reminders:preferences"))


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed, non-expiring token naming one user and one kind of reminder."""
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The (user id, kind) inside a token; ``signing.BadSignature`` when it was tampered with."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or value[1] not in Kind.values
    ):
        raise signing.BadSignature("Malformed unsubscribe token.")
    return value[0], value[1]


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return absolute(reverse("reminders:unsubscribe", args=[token]))


# The outbox's subject column.
SUBJECT_MAX = OutboxEmail._meta.get_field("subject").max_length or 255


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def header_subject(subject: str) -> str:
    """``subject`` made header-safe: one line, at most ``SUBJECT_MAX`` characters."""
    subject = one_line(subject)
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    return subject


def render_email(*, kind: str, user: User, subject: str, context: dict[str, Any]) -> RenderedEmail:
    """Render ``reminders/email/<kind>.txt`` and ``.html`` with the common footer links.

    The subject is made header-safe here, whatever titles it quotes: one line, at most
    ``SUBJECT_MAX`` characters (the outbox column), so no stored title can fail a send.
    """
    subject = header_subject(subject)
    # A transactional email (``Transactional``) has no preference, so no unsubscribe link.
    transactional = kind in Transactional.values
    unsubscribe = "" if transactional else unsubscribe_url(user_id=user.pk, kind=kind)
    full_context = {
        **context,
        "user": user,
        "subject": subject,
        "kind_label": (Transactional(kind) if transactional else Kind(kind)).label,
        "site_url": settings.SITE_URL,
        "preferences_url": preferences_url(),
        "unsubscribe_url": unsubscribe,
    }
    with users_zone(user):  # datetimes show in the recipient's time zone
        text = render_to_string(f"reminders/email/{kind}.txt", full_context).strip() + "\n"
        html = render_to_string(f"reminders/email/{kind}.html", full_context)
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if not transactional:
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            **headers,
        }
    return RenderedEmail(subject=subject, text=text, html=html, headers=headers)


def message_id(idempotency_key: str) -> str:
    """A Message-ID derived from the idempotency key.

    If the one remaining duplicate window is ever hit, both copies carry the same
    Message-ID, which lets mail stores and clients that de-duplicate collapse them.
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<reminder.{digest}@{domain or 'relay'}>"


class ReminderMessage(EmailMultiAlternatives):
    """Serialised with lines of up to 998 characters (RFC 5322's limit) instead of 78.

    At 78, Python's email package cannot fold a long ``List-Unsubscribe`` URL (it has no
    spaces) and falls back to RFC 2047 encoded words, which mail clients do not decode in
    that structured header, so the unsubscribe button would break.
    """

    def message(self, *, policy: Policy | None = None) -> Any:
        base = policy if policy is not None else email.policy.default
        return super().message(policy=base.clone(max_line_length=998))


def build_message(row: OutboxEmail) -> EmailMultiAlternatives:
    """The email message for one outbox row (plain text with an HTML alternative)."""
    message = ReminderMessage(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to_address],
        headers={
            **row.headers,
            "Message-ID": message_id(row.idempotency_key),
            "X-Relay-Idempotency-Key": row.idempotency_key,
        },
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message
