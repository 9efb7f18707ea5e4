from celery import shared_task
from django.core.management import call_command

from accounts.services import password_resets_purge, submissions_purge


@shared_task
def clear_expired_sessions() -> None:
    """Daily: expired sessions, submissions too old to be retried, old password reset requests."""
    call_command("clearsessions")
    submissions_purge()
    password_resets_purge()


@shared_task
def ping(value: str) -> str:
    """A trivial task, used to check that a worker is alive."""
    return value
