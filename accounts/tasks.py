from celery import shared_task
from django.core.management import call_command

from accounts.services import submissions_purge


@shared_task
def clear_expired_sessions() -> None:
    """Daily: expired sessions, and submissions too old to be retried."""
    call_command("clearsessions")
    submissions_purge()


@shared_task
def ping(value: str) -> str:
    """A trivial task, used to check that a worker is alive."""
    return value
