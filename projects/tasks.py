"""Celery tasks for delivery: thin wrappers over the services."""

from celery import shared_task

from projects.services import forecasts_refresh


@shared_task(acks_late=True, reject_on_worker_lost=True)
def refresh_forecasts() -> int:
    """Move the open projects' forecasts to today (safe to run twice: a second run finds
    nothing behind)."""
    return forecasts_refresh()
