from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, DEMO_USERS, seed


class Command(BaseCommand):
    help = "Load demo data and demo users (idempotent); --deals N scales it for benchmarks."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--deals", type=int, default=40, help="How many demo deals (default 40)."
        )

    def handle(self, *args, **options) -> None:
        result = seed(deals=options["deals"])
        self.stdout.write(
            f"Demo data ready ({result.users_created} new users, {result.deals_created} new deals, "
            f"{result.deals_won} won with a kickoff project)."
        )
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<8} {demo.role}")
