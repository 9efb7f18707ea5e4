"""Celery tasks for reminders: thin wrappers over the services.

Both are safe to run any number of times, concurrently or after a crash: the planner is
idempotent by key and the sender claims rows under ``SKIP LOCKED`` row locks. ``acks_late``
with ``reject_on_worker_lost`` redelivers a task whose worker died; beat's every-minute
``send_outbox`` sweeps up anything else, so no email waits on a lost task message.
"""

from celery import shared_task

from reminders.services import (
    mentions_plan,
    outbox_send_due,
    password_resets_plan,
    reminders_plan,
)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def plan_reminders() -> int:
    """Write the digests that are due to the outbox, then start sending them."""
    created = reminders_plan()
    if created:
        send_outbox.delay()
    return len(created)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def plan_mentions() -> int:
    """Write an email for each new @mention and password reset link, then start sending them."""
    created = mentions_plan() + password_resets_plan()
    if created:
        send_outbox.delay()
    return len(created)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_outbox() -> int:
    """Send due outbox emails; queue a follow-up when a batch did not empty the queue."""
    report = outbox_send_due()
    if report.more:
        send_outbox.delay()
    return len(report.sent)
