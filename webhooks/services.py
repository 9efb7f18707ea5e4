"""Writes for webhooks: endpoints, the outbox of deliveries, and sending them.

Delivery guarantees (README.md, "Webhooks"):

1. **Recorded with the change.** ``deliveries_record`` listens on ``records.events.occurred``
   and writes one ``Delivery`` per active endpoint subscribed to the event, in the
   transaction of the change: a rolled-back change leaves no delivery, a committed one
   always has its rows. ``(endpoint, event_id)`` is unique.
2. **Never lost.** A delivery stays pending until an attempt succeeds or it has failed
   ``MAX_ATTEMPTS`` times. A send is queued after the commit, and beat sweeps the due rows
   every minute, so nothing depends on one task message.
3. **Sent once.** The sender claims one due row at a time with ``SELECT ... FOR UPDATE SKIP
   LOCKED`` and keeps that lock while it posts, then records the answer and commits. A
   second sender skips the locked row; a sent row is never due again.
"""

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from standardwebhooks import Webhook

from accounts.models import User
from accounts.roles import Role
from records import locked_row, save_row
from records.events import EVENT_TYPES, Event, new_event_id
from reminders.models import Transactional
from reminders.services import outbox_enqueue
from webhooks import addresses
from webhooks.models import TEST_EVENT, Attempt, Delivery, Endpoint, Status
from webhooks.selectors import require_admin

logger = logging.getLogger(__name__)

#: A delivery is failed after this many attempts (an admin can retry it).
MAX_ATTEMPTS = 8
#: Backoff after the n-th failed attempt: BASE * 4**(n-1), at most CAP
#: (1, 4, 16, 64 minutes, then every 4 hours: about 13.5 hours from first to last try).
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_FACTOR = 4
BACKOFF_CAP = dt.timedelta(hours=4)
#: An endpoint whose attempts fail this many times in a row is disabled (any success
#: resets the count); its admins are emailed.
DISABLE_AFTER = 10
#: One sender task sends at most this many deliveries, then queues a follow-up.
SEND_BATCH = 100
MAX_EVENTS = len(EVENT_TYPES)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(BACKOFF_BASE * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_CAP)


# --- Endpoints ------------------------------------------------------------------------------


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": ["Choose at least one event."]})
    unknown = [str(e) for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ValidationError(
            {"events": [f"Unknown event {unknown[0]!r}; use {', '.join(EVENT_TYPES)}."]}
        )
    return [name for name in EVENT_TYPES if name in events]


@transaction.atomic
def endpoint_create(
    *, by: User, url: str, events: Sequence[str], description: str = ""
) -> Endpoint:
    """Register an endpoint (admins only). The URL must be http(s) and public unless
    WEBHOOK_ALLOW_PRIVATE lists its host (``webhooks.addresses``)."""
    require_admin(by)
    url = (url or "").strip()
    errors: dict[str, list[Any]] = {}
    try:
        chosen = _clean_events(list(events) if isinstance(events, list | tuple) else events)
    except ValidationError as error:
        errors.update(error.message_dict)
        chosen = []
    endpoint = Endpoint(
        url=url, events=chosen, description=(description or "").strip(), created_by=by
    )
    try:
        endpoint.full_clean(exclude=["events"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if "url" not in errors:
        try:
            addresses.check_url(url)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    by: User,
    endpoint: Endpoint,
    version: int | None = None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
) -> Endpoint:
    """Change an endpoint's URL, events or description (admins only; same checks)."""
    require_admin(by)
    locked = locked_row(Endpoint, endpoint.pk, version=version)
    fields = []
    if url is not None:
        locked.url = url.strip()
        fields.append("url")
    if events is not None:
        locked.events = _clean_events(list(events))
        fields.append("events")
    if description is not None:
        locked.description = description.strip()
        fields.append("description")
    locked.full_clean(exclude=["events"])
    if url is not None:
        addresses.check_url(locked.url)
    return save_row(locked, fields)


@transaction.atomic
def endpoint_delete(*, by: User, endpoint: Endpoint) -> None:
    """Remove an endpoint with its deliveries and their log (admins only)."""
    require_admin(by)
    locked_row(Endpoint, endpoint.pk).delete()


@transaction.atomic
def endpoint_enable(*, by: User, endpoint: Endpoint) -> Endpoint:
    """Enable a disabled endpoint again: its failure count starts afresh and its pending
    deliveries are due now."""
    require_admin(by)
    locked = locked_row(Endpoint, endpoint.pk)
    if locked.is_active:
        return locked
    locked.is_active = True
    locked.disabled_at = None
    locked.disabled_reason = ""
    locked.consecutive_failures = 0
    save_row(locked, ["is_active", "disabled_at", "disabled_reason", "consecutive_failures"])
    Delivery.objects.filter(endpoint=locked, status=Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    transaction.on_commit(start_sender)
    return locked


@transaction.atomic
def endpoint_send_test(*, by: User, endpoint: Endpoint) -> Delivery:
    """Queue a ``webhook.test`` event to this endpoint alone (the admin's test button)."""
    require_admin(by)
    locked = locked_row(Endpoint, endpoint.pk)
    if not locked.is_active:
        raise ValidationError({"is_active": ["Enable this endpoint before testing it."]})
    now = timezone.now()
    delivery = _delivery(
        locked,
        event_id=new_event_id(),
        payload=payload_of(
            TEST_EVENT, now, {"endpoint_id": locked.pk, "message": "A test event from Relay."}
        ),
        at=now,
    )
    delivery.save()
    _send_after_commit()
    return delivery


# --- Recording (the outbox) -------------------------------------------------------------


def payload_of(type: str, at: dt.datetime, data: Mapping[str, Any]) -> dict[str, Any]:
    """The Standard Webhooks body of an event: ``{"type", "timestamp", "data"}``."""
    return {
        "type": type,
        "timestamp": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": dict(data),
    }


def _delivery(
    endpoint: Endpoint, *, event_id: str, payload: dict[str, Any], at: dt.datetime
) -> Delivery:
    return Delivery(
        endpoint=endpoint,
        event_id=event_id,
        event_type=payload["type"],
        payload=payload,
        next_attempt_at=at,
        created_at=at,
    )


def deliveries_record(*, events: Iterable[Event]) -> list[Delivery]:
    """Write a delivery per active endpoint subscribed to each event (two statements for
    any batch: the endpoints, one insert), then, after the commit, ask a worker to send."""
    events = list(events)
    if not events:
        return []
    endpoints = list(Endpoint.objects.filter(is_active=True).only("pk", "events"))
    rows = [
        _delivery(
            endpoint,
            event_id=event.id,
            payload=payload_of(event.type, event.occurred_at, event.data),
            at=event.occurred_at,
        )
        for event in events
        for endpoint in endpoints
        if event.type in endpoint.events
    ]
    if not rows:
        return []
    created = Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    _send_after_commit()
    return created


def _send_after_commit() -> None:
    """Ask for one send after the commit, however many events this transaction records.

    A send asked for in an enclosing savepoint (every savepoint it was asked in still
    encloses this one) stands for this one too: a rollback that drops it drops these rows.
    """
    connection = transaction.get_connection()
    current = set(connection.savepoint_ids)
    for savepoints, func, _robust in connection.run_on_commit:
        if func is start_sender and savepoints <= current:
            return
    transaction.on_commit(start_sender)


def on_event(sender: Any, events: list[Event], **kwargs: Any) -> None:
    """``records.events.occurred``'s receiver (connected in ``WebhooksConfig.ready``)."""
    deliveries_record(events=events)


#: What queueing a task raises when the broker cannot be reached.
BROKER_ERRORS = (KombuOperationalError, OSError)


def start_sender() -> bool:
    """Ask a worker to send the due deliveries now; False when the broker cannot be reached
    (nothing is lost: beat's every-minute sweep sends them)."""
    from webhooks.tasks import send_deliveries

    try:
        send_deliveries.delay()
    except BROKER_ERRORS as error:
        logger.warning("Could not queue send_deliveries (the sweep will send): %r", error)
        return False
    return True


# --- Sending --------------------------------------------------------------------------------


def body_of(delivery: Delivery) -> str:
    """The exact text posted (and signed) for a delivery."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)


def signed_headers(delivery: Delivery, body: str, now: dt.datetime) -> dict[str, str]:
    """Standard Webhooks' headers: the event id, the send time, the v1 signature."""
    signature = Webhook(delivery.endpoint.secret).sign(
        msg_id=delivery.event_id, timestamp=now, data=body
    )
    return {
        "Content-Type": "application/json",
        "User-Agent": "Relay-Webhooks/1",
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


@dataclass
class SendReport:
    sent: list[Delivery] = field(default_factory=list)
    retrying: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)
    disabled: list[Endpoint] = field(default_factory=list)
    more: bool = False


def deliveries_send_due(*, limit: int = SEND_BATCH) -> SendReport:
    """Send due deliveries, one short transaction each.

    Each row is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (concurrent senders take
    different rows), posted while the lock is held, and its outcome saved in the same
    transaction. A sender that dies before its commit leaves the row pending, and nothing
    of that attempt is recorded.

    The one duplicate window left: the receiver has the request, and the sender dies before
    the commit that records the answer (while the receiver works on it, at most the 5 s
    timeout, plus one UPDATE and two INSERTs on rows already locked). HTTP has no idempotent
    POST, so the next sender posts the same event again, with the same ``webhook-id``;
    receivers that keep the ids they processed (as Standard Webhooks recommends) drop it.
    A sender that dies before the request reached the receiver sends it exactly once
    (``tests/test_webhooks_worker.py`` kills a worker at both moments). Holding the lock
    costs one open transaction per sending worker for at most the timeout (5 s to connect,
    5 s per read).
    """
    report = SendReport()
    for _ in range(limit):
        with transaction.atomic():
            delivery = (
                Delivery.objects.due(timezone.now())
                .select_related("endpoint")
                .select_for_update(skip_locked=True, of=("self",), no_key=True)
                .first()
            )
            if delivery is None:
                return report
            _attempt(delivery, report)
    report.more = Delivery.objects.due(timezone.now()).exists()
    return report


def _attempt(delivery: Delivery, report: SendReport) -> None:
    endpoint = delivery.endpoint
    now = timezone.now()
    body = body_of(delivery)
    answer = addresses.post(endpoint.url, body.encode(), signed_headers(delivery, body, now))
    Attempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=answer.status_code,
        response_body=answer.body,
        error=answer.error,
        duration_ms=answer.duration_ms,
    )
    delivery.attempts += 1
    delivery.last_status_code = answer.status_code
    if answer.ok:
        delivery.status = Status.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        report.sent.append(delivery)
        if endpoint.consecutive_failures:
            Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
    else:
        delivery.last_error = answer.error or f"HTTP {answer.status_code}"
        logger.warning(
            "Webhook %s to %s: attempt %s failed: %s",
            delivery.event_id,
            endpoint.url,
            delivery.attempts,
            delivery.last_error,
        )
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Status.FAILED
            report.failed.append(delivery)
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            report.retrying.append(delivery)
        disabled = _count_failure(endpoint)
        if disabled is not None:
            report.disabled.append(disabled)
    delivery.save(
        update_fields=[
            "attempts",
            "status",
            "sent_at",
            "next_attempt_at",
            "last_status_code",
            "last_error",
        ]
    )


def _count_failure(endpoint: Endpoint) -> Endpoint | None:
    """Count one more failed attempt in a row; disable the endpoint (and email its admins)
    when that makes ``DISABLE_AFTER``. The endpoint when this disabled it."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not locked.is_active or locked.consecutive_failures < DISABLE_AFTER:
        return None
    locked.is_active = False
    locked.disabled_at = timezone.now()
    locked.disabled_reason = (
        f"{locked.consecutive_failures} failed attempts in a row; the last: {_last_error(endpoint)}"
    )[:300]
    save_row(locked, ["is_active", "disabled_at", "disabled_reason"])
    _email_admins(locked)
    return locked


def _last_error(endpoint: Endpoint) -> str:
    attempt = Attempt.objects.filter(delivery__endpoint=endpoint).order_by("-at", "-pk").first()
    if attempt is None:
        return "none recorded"
    return attempt.error or f"HTTP {attempt.status_code}"


def admins_to_tell() -> list[User]:
    """Active admins with an email address."""
    return list(
        User.objects.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _email_admins(endpoint: Endpoint) -> None:
    """One email per admin through the reminders outbox, keyed by the disabling moment (a
    second disabling after "Enable again" is a new email)."""
    assert endpoint.disabled_at is not None
    stamp = endpoint.disabled_at.strftime("%Y%m%dT%H%M%S")
    for admin in admins_to_tell():
        outbox_enqueue(
            recipient=admin,
            kind=Transactional.WEBHOOK_DISABLED,
            key=f"webhook_disabled:{endpoint.pk}:{stamp}:{admin.pk}",
            subject=f"Relay: webhook to {endpoint.url} disabled",
            context={
                "url": endpoint.url,
                "reason": endpoint.disabled_reason,
                "at": endpoint.disabled_at,
                "admin_url": settings.SITE_URL
                + reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]),
            },
        )


@transaction.atomic
def delivery_retry(*, by: User, deliveries: Iterable[Delivery]) -> int:
    """Make failed (or waiting) deliveries due now with a fresh set of attempts (admins
    only); sent ones are never sent again. How many were queued."""
    require_admin(by)
    queued = Delivery.objects.filter(
        pk__in=[d.pk for d in deliveries], status__in=[Status.FAILED, Status.PENDING]
    ).update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    if queued:
        transaction.on_commit(start_sender)
    return queued
