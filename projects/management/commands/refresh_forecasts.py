from django.core.management.base import BaseCommand

from projects.services import forecasts_refresh


class Command(BaseCommand):
    help = (
        "Move the open projects' forecasts to today now (the same code Celery beat runs each "
        "night): reschedules the projects with a task behind today or never forecast."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = forecasts_refresh()
        self.stdout.write(f"Refreshed the forecasts of {count} project(s).")
