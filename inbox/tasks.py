"""The mailbox poll on Celery beat (every 2 minutes): a thin wrapper over
``inbox.services.mailbox_poll``, which logs connection errors instead of raising them (no
crash loop) and keeps each message once, however often it runs."""

from celery import shared_task

from inbox import services


@shared_task
def poll_mailbox() -> str:
    return str(services.mailbox_poll())
