"""``python manage.py poll_inbox``: poll the capture mailbox now (what Celery beat runs)."""

from django.core.management.base import BaseCommand

from inbox import services


class Command(BaseCommand):
    help = "Read the capture mailbox (INBOX_URL) now and log what its new messages match."

    def handle(self, *args, **options) -> None:
        result = services.mailbox_poll()
        self.stdout.write(str(result))
