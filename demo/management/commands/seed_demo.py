from django.core.management.base import BaseCommand

from demo.seed import BULK_THRESHOLD, seed, sign_ins
from demo.team_seed import DELIVERY_TEAM, SALES_TEAM


class Command(BaseCommand):
    help = (
        "Load demo data and demo users (idempotent); --deals N scales it for benchmarks. "
        f"Up to {BULK_THRESHOLD} deals every row goes through the services; above that (or "
        "with --bulk) the same rows are written in bulk (COPY on PostgreSQL) with N/2 "
        "companies, 2N contacts, 10N activities, 5% of N projects of 40 tasks, and 20 sales "
        "and 10 delivery users (rep01.., manager01.., lead01.., member01..) beside the demo users."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--deals", type=int, default=40, help="How many demo deals (default 40)."
        )
        parser.add_argument(
            "--no-sign-ins",
            action="store_true",
            help="Leave the sign-ins out (make run prints them once the server is up).",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help=f"Write in bulk even at {BULK_THRESHOLD} deals or fewer.",
        )

    def handle(self, *args, **options) -> None:
        result = seed(deals=options["deals"], bulk=True if options["bulk"] else None)
        self.stdout.write(
            f"Demo data ready ({result.users_created} new users, {result.deals_created} new deals, "
            f"{result.deals_won} won with a kickoff project)."
        )
        if options["no_sign_ins"]:
            return
        for line in sign_ins():
            self.stdout.write(line)
        if options["bulk"] or options["deals"] > BULK_THRESHOLD:
            team = [*SALES_TEAM, *DELIVERY_TEAM]
            self.stdout.write(f"  and {team[0].username}..: " + ", ".join(m.username for m in team))
