from django.core.management.base import BaseCommand

from reminders.services import outbox_send_due, reminders_plan


class Command(BaseCommand):
    help = (
        "Run the reminder job now (the same code Celery beat runs): write the digests that "
        "are due and not yet made today, send everything due in the outbox, print what was sent."
    )

    def handle(self, *args: object, **options: object) -> None:
        created = reminders_plan()
        self.stdout.write(f"Planned {len(created)} new reminder email(s).")
        report = outbox_send_due(limit=10_000)
        for email in report.sent:
            self.stdout.write(
                f"sent {email.kind} to {email.to_address}: {email.subject} "
                f"[{email.idempotency_key}]"
            )
        for email in report.retrying:
            self.stdout.write(
                self.style.WARNING(
                    f"will retry {email.idempotency_key} at "
                    f"{email.next_attempt_at:%Y-%m-%d %H:%M} UTC: {email.last_error}"
                )
            )
        for email in report.failed:
            self.stdout.write(
                self.style.ERROR(f"failed {email.idempotency_key}: {email.last_error}")
            )
        self.stdout.write(self.style.SUCCESS(f"Sent {len(report.sent)} email(s)."))
