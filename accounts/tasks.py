from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task
def ping(value: str) -> str:
    """A trivial task, used to check that a worker is alive."""
    return value
