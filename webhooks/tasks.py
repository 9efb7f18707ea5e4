"""Celery tasks for webhooks: thin wrappers over the services.

Safe to run any number of times, concurrently or after a crash: the sender claims rows under
``SKIP LOCKED`` row locks. Beat runs ``send_deliveries`` every minute, so no delivery waits
on a lost task message; ``acks_late`` with ``reject_on_worker_lost`` redelivers a task whose
worker died.
"""

from celery import shared_task

from webhooks.services import deliveries_send_due


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_deliveries() -> int:
    """Send due deliveries; queue a follow-up when a batch did not empty the queue."""
    report = deliveries_send_due()
    if report.more:
        send_deliveries.delay()
    return len(report.sent)
