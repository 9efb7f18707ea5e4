"""Writes for reminders: deciding what to send (the planner), sending it, preferences.

The planner writes each decision as an ``OutboxEmail`` row in the same transaction as the
query that made it, keyed by an idempotency key, so running it twice changes nothing. The
sender delivers due rows one at a time under a row lock. See ``reminders/README.md``.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from kombu.exceptions import OperationalError as KombuOperationalError

from accounts.formats import format_date, users_zone
from accounts.models import User
from accounts.roles import Role
from crm.models import stale_limits
from reminders import clock, emails, selectors
from reminders.models import Kind, OutboxEmail, ReminderPreference, Status, Transactional

logger = logging.getLogger(__name__)

#: After this many failed attempts an email is marked failed (an admin can retry it).
MAX_ATTEMPTS = 6
#: Backoff after the n-th failure: BASE * 2**(n-1), at most CAP (1, 2, 4, 8, 16 minutes...).
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=2)
#: One sender task sends at most this many emails, then queues a follow-up.
SEND_BATCH = 200


# --- The outbox ---------------------------------------------------------------------------


def outbox_enqueue(
    *, recipient: User, kind: str, key: str, subject: str, context: dict[str, Any]
) -> tuple[OutboxEmail, bool]:
    """Add an email to the outbox unless one with ``key`` exists; (row, created).

    ``get_or_create`` inserts in a savepoint and, when a concurrent planner won the race
    on the unique key, returns that row instead: ON CONFLICT DO NOTHING semantics.
    """
    rendered = emails.render_email(kind=kind, user=recipient, subject=subject, context=context)
    return OutboxEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "recipient": recipient,
            "to_address": recipient.email,
            "kind": kind,
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "headers": rendered.headers,
        },
    )


def outbox_enqueue_transactional(
    *, recipient: User, kind: str, key: str, subject: str, text: str, html: str
) -> tuple[OutboxEmail, bool]:
    """Add an already rendered transactional email (``Transactional``: no preference, no
    unsubscribe link) unless one with ``key`` exists; (row, created). The caller renders
    it (in the recipient's time zone) and, after its commit, may call
    ``outbox_start_sender`` to send it at once; the every-minute sweep sends it otherwise."""
    if kind not in Transactional.values:
        raise ValueError(f"{kind!r} is not a transactional email kind.")
    return OutboxEmail.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "recipient": recipient,
            "to_address": recipient.email,
            "kind": kind,
            "subject": emails.header_subject(subject),
            "body_text": text,
            "body_html": html,
            "headers": {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        },
    )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


@dataclass
class SendReport:
    sent: list[OutboxEmail] = field(default_factory=list)
    retrying: list[OutboxEmail] = field(default_factory=list)
    failed: list[OutboxEmail] = field(default_factory=list)
    more: bool = False


def outbox_send_due(*, limit: int = SEND_BATCH) -> SendReport:
    """Send due outbox rows, one short transaction per email.

    Each row is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (so concurrent senders
    take different rows), handed to the SMTP server, and marked sent in the same
    transaction. If the process dies before the commit, the database rolls the transaction
    back and releases the lock: the row is pending again, with no lease to wait out. The
    only duplicate window left is between the SMTP server accepting the message and this
    commit.
    """
    report = SendReport()
    mailer = mailers.default
    try:
        for _ in range(limit):
            with transaction.atomic():
                email = (
                    OutboxEmail.objects.due(timezone.now())
                    .select_for_update(skip_locked=True, no_key=True)
                    .first()
                )
                if email is None:
                    return report
                _deliver(email, mailer, report)
        report.more = OutboxEmail.objects.due(timezone.now()).exists()
        return report
    finally:
        with suppress(Exception):
            mailer.close()


def _deliver(email: OutboxEmail, mailer: Any, report: SendReport) -> None:
    email.attempts += 1
    try:
        accepted = mailer.send_messages([emails.build_message(email)])
        if accepted != 1:
            raise RuntimeError("The mail server did not accept the message.")
    except Exception as error:  # Any failure to hand over counts as an attempt.
        logger.warning(
            "Reminder %s: attempt %s failed: %r", email.idempotency_key, email.attempts, error
        )
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= MAX_ATTEMPTS:
            email.status = Status.FAILED
            report.failed.append(email)
        else:
            email.next_attempt_at = timezone.now() + backoff(email.attempts)
            report.retrying.append(email)
        # A broken SMTP session must not poison the next message: reconnect lazily.
        with suppress(Exception):
            mailer.close()
    else:
        email.status = Status.SENT
        email.sent_at = timezone.now()
        report.sent.append(email)
    email.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error"])


#: What queueing a task raises when the broker cannot be reached (Redis down, a closed port):
#: kombu wraps the transport's connection errors in its OperationalError.
BROKER_ERRORS = (KombuOperationalError, OSError)


def outbox_start_sender() -> bool:
    """Ask a worker to send the due emails now; False when the broker cannot be reached.

    Nothing is lost then: the rows are pending, and beat's every-minute ``send_outbox``
    sweep sends them once the broker is back.
    """
    from reminders.tasks import send_outbox

    try:
        send_outbox.delay()
    except BROKER_ERRORS as error:
        logger.warning("Could not queue send_outbox (the sweep will send): %r", error)
        return False
    return True


@dataclass
class RetryOutcome:
    queued: int
    #: Whether a worker was asked to send them now: True, False when the broker could not
    #: be reached (the sweep sends them), None while the caller's transaction is open.
    sender_started: bool | None = None


def outbox_retry(*, emails: Iterable[OutboxEmail], by: User) -> RetryOutcome:
    """Make failed (or waiting) emails due now with a fresh set of attempts, then (after the
    commit) ask a worker to send them.

    Sent emails are never retried: that would send them twice. The change is committed
    whether or not the broker answers.
    """
    ids = [email.pk for email in emails]
    with transaction.atomic():
        outcome = RetryOutcome(
            queued=OutboxEmail.objects.filter(
                pk__in=ids, status__in=[Status.FAILED, Status.PENDING]
            ).update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        )
        logger.info("%s queued %s email(s) for another try.", by, outcome.queued)

        def start_sender() -> None:
            outcome.sender_started = outbox_start_sender()

        if outcome.queued:
            transaction.on_commit(start_sender)
    return outcome


# --- Preferences --------------------------------------------------------------------------


@transaction.atomic
def preferences_update(*, user: User, by: User, **wanted: bool) -> ReminderPreference:
    """Set which reminders ``user`` receives. Only the user themselves may change them."""
    if by.pk != user.pk:
        raise PermissionDenied("Only the user can change their reminder preferences.")
    unknown = set(wanted) - set(Kind.values)
    if unknown:
        raise ValidationError(
            {key: ["Not a kind of reminder."] for key in sorted(unknown)}, code="unknown_kind"
        )
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    for kind, value in wanted.items():
        setattr(preference, kind, bool(value))
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def preferences_unsubscribe(*, user: User, kind: str) -> ReminderPreference:
    """Turn one kind of reminder off (the one-click unsubscribe link, RFC 8058)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": [f"Unknown reminder kind {kind!r}."]}, code="unknown_kind")
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    setattr(preference, kind, False)
    preference.save()
    return preference


# --- The planner --------------------------------------------------------------------------

#: A digest builder returns (subject, template context), or None when there is nothing to say.
Built = tuple[str, dict[str, Any]] | None


@dataclass(frozen=True)
class Digest:
    kind: Kind
    weekly: bool
    applies_to: Callable[[User], bool]
    #: Of these (user, local now) pairs, the ids of users with something to report.
    who: Callable[[list[tuple[User, dt.datetime]], dt.datetime], set[int]]
    build: Callable[[User, dt.datetime, dt.datetime], Built]

    def due(self, local: dt.datetime) -> bool:
        return clock.weekly_digest_due(local) if self.weekly else clock.daily_digest_due(local)

    def key(self, user: User, local: dt.datetime) -> str:
        make = clock.weekly_key if self.weekly else clock.daily_key
        return make(self.kind, user.pk, local.date())


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _more(total: int, listed: int) -> int:
    return max(total - listed, 0)


def build_next_actions(user: User, now: dt.datetime, local: dt.datetime) -> Built:
    deals = selectors.overdue_deals_for_owner(owner=user, now=now)
    rows = list(deals[: selectors.DIGEST_ROW_LIMIT])
    if not rows:
        return None
    total = len(rows) if len(rows) < selectors.DIGEST_ROW_LIMIT else deals.count()
    items = [
        {
            "title": deal.title,
            "company": deal.company.name,
            "next_action": deal.next_action,
            "due_date": deal.next_action_due_date,
            "due_time": deal.next_action_due_time,
            "url": emails.deal_url(deal.pk),
        }
        for deal in rows
    ]
    subject = f"Relay: {_plural(total, 'overdue next action')}"
    return subject, {
        "items": items,
        "total": total,
        "more": _more(total, len(rows)),
        "day": local.date(),
        "list_url": emails.absolute("/deals/?overdue=true"),
    }


def build_stale_deals(user: User, now: dt.datetime, local: dt.datetime) -> Built:
    limits = stale_limits()
    deals = selectors.stale_deals(now=now, limits=limits)
    rows = list(deals[: selectors.DIGEST_ROW_LIMIT])
    if not rows:
        return None
    total = len(rows) if len(rows) < selectors.DIGEST_ROW_LIMIT else deals.count()
    items = []
    for deal in rows:
        days_in_stage = (now - deal.stage_entered_at).days
        reasons = []
        if deal.overdue:  # type: ignore[attr-defined]
            reasons.append(f"next action overdue since {format_date(deal.next_action_due_date)}")
        if deal.stale:  # type: ignore[attr-defined]
            limit = limits[deal.stage]
            reasons.append(f"{days_in_stage} days in {deal.get_stage_display()} (limit {limit})")
        items.append(
            {
                "title": deal.title,
                "company": deal.company.name,
                "owner": deal.owner.display_name,
                "stage": deal.get_stage_display(),
                "days_in_stage": days_in_stage,
                "reasons": reasons,
                "url": emails.deal_url(deal.pk),
            }
        )
    week = clock.iso_week(local.date())
    subject = f"Relay: {_plural(total, 'stale deal')}, week {week}"
    return subject, {
        "items": items,
        "total": total,
        "more": _more(total, len(rows)),
        "week": week,
        "list_url": emails.absolute("/pipeline/"),
    }


def build_tasks(user: User, now: dt.datetime, local: dt.datetime) -> Built:
    tasks = selectors.overdue_tasks_for_assignee(assignee=user, today=local.date())
    rows = list(tasks[: selectors.DIGEST_ROW_LIMIT])
    if not rows:
        return None
    total = len(rows) if len(rows) < selectors.DIGEST_ROW_LIMIT else tasks.count()
    items = [
        {
            "title": task.title,
            "project": task.project.name,
            "status": task.get_status_display(),
            "planned_finish": task.planned_finish,
            "url": emails.task_url(task.pk),
        }
        for task in rows
    ]
    subject = f"Relay: {_plural(total, 'overdue task')}"
    return subject, {
        "items": items,
        "total": total,
        "more": _more(total, len(rows)),
        "day": local.date(),
        "list_url": emails.absolute("/"),
    }


def build_approvals(user: User, now: dt.datetime, local: dt.datetime) -> Built:
    milestones = selectors.approvals_ready_for(approver=user)
    rows = list(milestones[: selectors.DIGEST_ROW_LIMIT])
    if not rows:
        return None
    total = len(rows) if len(rows) < selectors.DIGEST_ROW_LIMIT else milestones.count()
    items = [
        {
            "name": milestone.name,
            "project": milestone.project.name,
            "due_date": milestone.due_date,
            "url": emails.project_url(milestone.project_id),
        }
        for milestone in rows
    ]
    verb = "awaits" if total == 1 else "await"
    subject = f"Relay: {_plural(total, 'milestone')} {verb} your approval"
    return subject, {
        "items": items,
        "total": total,
        "more": _more(total, len(rows)),
        "day": local.date(),
        "list_url": emails.absolute("/"),
    }


def _ids(pairs: list[tuple[User, dt.datetime]]) -> list[int]:
    return [user.pk for user, _ in pairs]


def who_next_actions(pairs: list[tuple[User, dt.datetime]], now: dt.datetime) -> set[int]:
    return selectors.owners_with_overdue_deals(owner_ids=_ids(pairs), now=now)


def who_tasks(pairs: list[tuple[User, dt.datetime]], now: dt.datetime) -> set[int]:
    by_day: dict[dt.date, list[int]] = {}
    for user, local in pairs:
        by_day.setdefault(local.date(), []).append(user.pk)
    found: set[int] = set()
    for day, ids in by_day.items():  # at most two or three local dates at any moment
        found |= selectors.assignees_with_overdue_tasks(assignee_ids=ids, today=day)
    return found


def who_approvals(pairs: list[tuple[User, dt.datetime]], now: dt.datetime) -> set[int]:
    return selectors.approvers_with_ready_milestones(approver_ids=_ids(pairs))


def who_stale_deals(pairs: list[tuple[User, dt.datetime]], now: dt.datetime) -> set[int]:
    return set(_ids(pairs)) if selectors.any_stale_deals(now=now) else set()


DIGESTS: list[Digest] = [
    Digest(
        Kind.NEXT_ACTIONS,
        weekly=False,
        applies_to=lambda u: True,
        who=who_next_actions,
        build=build_next_actions,
    ),
    Digest(Kind.TASKS, weekly=False, applies_to=lambda u: True, who=who_tasks, build=build_tasks),
    Digest(
        Kind.APPROVALS,
        weekly=False,
        applies_to=lambda u: True,
        who=who_approvals,
        build=build_approvals,
    ),
    Digest(
        Kind.STALE_DEALS,
        weekly=True,
        applies_to=lambda u: u.has_role(Role.SALES_MANAGER),
        who=who_stale_deals,
        build=build_stale_deals,
    ),
]


def reminders_plan(*, now: dt.datetime | None = None) -> list[OutboxEmail]:
    """Everything due now: the digests, the mention notifications, the password reset links;
    the new rows."""
    now = now or timezone.now()
    return digests_plan(now=now) + mentions_plan(now=now) + password_resets_plan(now=now)


#: A reset link is sent only this soon after it was asked for: later, the person has asked
#: again or given up, and an old link waiting in a mailbox is only a risk.
PASSWORD_RESET_WINDOW = dt.timedelta(hours=1)
PASSWORD_RESET_SUBJECT = "Reset your Relay password"


def password_resets_plan(*, now: dt.datetime | None = None) -> list[OutboxEmail]:
    """One email with a reset link per reset request accounts decided to answer (key
    ``password_reset:<request id>``), at any hour and whatever the reminder preferences.

    The link is made here with Django's ``default_token_generator``: it stops working once
    it is used, when the password changes, when the user signs in, and after
    ``PASSWORD_RESET_TIMEOUT``. Accounts throttles the requests; this only sends.
    """
    now = now or timezone.now()
    created = []
    for reset in selectors.password_resets_to_send(since=now - PASSWORD_RESET_WINDOW):
        user = reset.user
        assert user is not None  # the selector's filter
        if not user.has_usable_password():
            continue
        try:
            with transaction.atomic():
                email, was_created = OutboxEmail.objects.get_or_create(
                    idempotency_key=f"password_reset:{reset.pk}",
                    defaults=_password_reset_email(user),
                )
        except Exception:
            logger.exception("Could not plan the email for password reset %s.", reset.pk)
            continue
        if was_created:
            created.append(email)
    return created


def _password_reset_email(user: User) -> dict[str, Any]:
    """The outbox row's fields for a reset link to ``user``: no unsubscribe link (this is
    not a reminder), and the headers that keep auto-responders quiet."""
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "subject": PASSWORD_RESET_SUBJECT,
        "url": emails.absolute(path),
        "reset_url": emails.absolute(reverse("accounts:password-reset")),
        "valid_days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
        "site_url": settings.SITE_URL,
    }
    with users_zone(user):
        text = render_to_string("reminders/email/password_reset.txt", context).strip() + "\n"
        html = render_to_string("reminders/email/password_reset.html", context)
    return {
        "recipient": user,
        "to_address": user.email,
        "kind": Transactional.PASSWORD_RESET,
        "subject": PASSWORD_RESET_SUBJECT,
        "body_text": text,
        "body_html": html,
        "headers": {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    }


#: Mentions older than this are not notified any more (say, after a long outage or when
#: reminders are first switched on over an old database).
MENTION_WINDOW = dt.timedelta(days=7)
MENTION_EXCERPT = 1000


def mentions_plan(*, now: dt.datetime | None = None) -> list[OutboxEmail]:
    """One email per new @mention (key ``mention:<id>``), at any hour."""
    now = now or timezone.now()
    created = []
    for mention in selectors.mentions_to_notify(since=now - MENTION_WINDOW):
        user = mention.user
        if not selectors.preference_for(user).wants(Kind.MENTIONS):
            continue
        comment = mention.comment
        task = comment.task
        author = comment.author.display_name
        body = comment.body
        if len(body) > MENTION_EXCERPT:
            body = body[:MENTION_EXCERPT].rstrip() + "…"
        try:
            with transaction.atomic():
                email, was_created = outbox_enqueue(
                    recipient=user,
                    kind=Kind.MENTIONS,
                    key=clock.mention_key(mention.pk),
                    subject=f"Relay: {author} mentioned you on “{task.title}”",
                    context={
                        "author": author,
                        "task": task.title,
                        "project": task.project.name,
                        "body": body,
                        "at": comment.created_at,
                        "url": emails.task_url(task.pk),
                    },
                )
        except Exception:
            logger.exception("Could not plan the email for mention %s.", mention.pk)
            continue
        if was_created:
            created.append(email)
    return created


def digests_plan(*, now: dt.datetime | None = None) -> list[OutboxEmail]:
    """Decide which digests are due now and write them to the outbox; the new rows.

    A daily digest is due from 07:00 in its recipient's time zone and made at the first run
    that finds something to report; a weekly one from Monday 07:00 local. At most one per
    kind, user and local day (ISO week): the idempotency key says so. One user's failure is
    logged and does not stop the others.

    Cost: users, their groups and the existing keys, then one "who has anything" query per
    kind; the builders (one query each) and inserts run only for digests actually made.
    """
    now = now or timezone.now()
    users = list(selectors.recipients())
    due: dict[Kind, list[tuple[User, dt.datetime, str]]] = {d.kind: [] for d in DIGESTS}
    for user in users:
        local = clock.local_now(now, user.zone)
        preference = selectors.preference_for(user)
        for digest in DIGESTS:
            if digest.due(local) and preference.wants(digest.kind) and digest.applies_to(user):
                due[digest.kind].append((user, local, digest.key(user, local)))
    done = selectors.existing_keys(key for rows in due.values() for *_, key in rows)
    candidates: list[tuple[User, Digest, dt.datetime, str]] = []
    for digest in DIGESTS:
        waiting = [(user, local, key) for user, local, key in due[digest.kind] if key not in done]
        if not waiting:
            continue
        who = digest.who([(user, local) for user, local, _ in waiting], now)
        candidates += [(u, digest, local, key) for u, local, key in waiting if u.pk in who]
    created = []
    for user, digest, local, key in candidates:
        try:
            with transaction.atomic():
                built = digest.build(user, now, local)
                if built is None:
                    continue
                subject, context = built
                email, was_created = outbox_enqueue(
                    recipient=user, kind=digest.kind, key=key, subject=subject, context=context
                )
        except Exception:
            logger.exception("Could not plan %s for user %s.", key, user.pk)
            continue
        if was_created:
            created.append(email)
    return created
