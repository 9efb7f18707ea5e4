"""The daily reminder run over 10,000 overdue deals across 50 owners: target <= 30 s.

Runs in its own database (``RELAY_BENCH_REMINDERS_DATABASE_URL``, by default
``relay_bench_reminders`` on the local PostgreSQL), created when missing and filled once with
bulk inserts: 50 sales reps in five time zones (all past 07:00 at the benchmark's moment),
one sales manager, and 10,000 open deals whose next actions are 1 to 30 days overdue. Then it
runs the job as beat does, ``reminders.tasks.plan_reminders`` (Celery eager, so its
``send_outbox`` runs too, in-process, into Django's in-memory mailer), at a fixed moment
(time-machine), and checks the outcome: one next-actions digest per owner and the manager's
weekly stale-deals digest, all sent; a second run makes nothing.
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "RELAY_BENCH_REMINDERS_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/relay_bench_reminders",
)

OWNERS = 50
DEALS = 10_000
TARGET_S = 30.0
#: A Tuesday mid-morning in Europe: 07:00 has passed in every owner's zone.
MOMENT = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
ZONES = ["UTC", "Europe/London", "Europe/Berlin", "Europe/Helsinki", "Asia/Kolkata"]
PASSWORD = "bench-password-1"


def environment() -> dict[str, str]:
    """Its own database, the in-memory mailer, Celery eager: set in a process of its own, so
    it never changes the settings of the benchmarks that run beside it."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "EMAIL_URL": "memorymail://",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DEBUG": "false",
        "SECRET_KEY": "bench-reminders-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def run() -> list[str]:
    """Measure in a fresh Python process (``python -m bench.reminders``); its lines."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.reminders"],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode:
        raise RuntimeError(f"bench.reminders failed:\n{done.stdout}{done.stderr}")
    return done.stdout.splitlines()


def populate() -> None:
    """Owners, a manager, companies and the overdue deals, unless they are there already."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from accounts.models import User
    from accounts.roles import Role
    from crm.models import DEFAULT_PROBABILITY, OPEN_STAGES, Company, Deal, Stage

    call_command("migrate", verbosity=0)
    reps = User.objects.filter(username__startswith="remind-rep")
    if reps.count() == OWNERS and Deal.objects.overdue(MOMENT).count() == DEALS:
        return
    Deal.objects.all().delete()
    Company.objects.all().delete()
    User.objects.filter(username__startswith="remind-").delete()
    password = make_password(PASSWORD)  # hashed once: the hasher is slow on purpose
    owners = User.objects.bulk_create(
        User(
            username=f"remind-rep{i:02d}",
            email=f"rep{i:02d}@bench.example",
            full_name=f"Rep {i:02d}",
            time_zone=ZONES[i % len(ZONES)],
            password=password,
        )
        for i in range(OWNERS)
    )
    manager = User.objects.create(
        username="remind-manager",
        email="manager@bench.example",
        full_name="Manager",
        password=password,
    )
    Group.objects.get(name=Role.SALES_REP).user_set.add(*owners)
    Group.objects.get(name=Role.SALES_MANAGER).user_set.add(manager)
    companies = Company.objects.bulk_create(
        Company(name=f"Reminder company {i}", domain=f"remind{i}.example", owner=owners[i % 50])
        for i in range(500)
    )
    rng = random.Random(10)
    today = MOMENT.date()
    deals = []
    for i in range(DEALS):
        owner = owners[i % OWNERS]
        stage = OPEN_STAGES[i % len(OPEN_STAGES)]
        deal = Deal(
            title=f"Reminder deal {i}",
            company=companies[i % len(companies)],
            owner=owner,
            created_by=owner,
            amount=Decimal(rng.randrange(1, 200) * 500),
            expected_close_date=today + dt.timedelta(days=rng.randint(0, 90)),
            qualification_notes="Bench",
            next_action=f"Call about deal {i}",
            next_action_due_date=today - dt.timedelta(days=rng.randint(1, 30)),
            next_action_due_time=dt.time(rng.randint(8, 17), 0) if i % 3 == 0 else None,
            stage=stage,
            stage_entered_at=MOMENT - dt.timedelta(days=rng.randint(1, 60)),
            probability=DEFAULT_PROBABILITY[Stage(stage)],
        )
        deal.next_action_due_at = deal.compute_due_at(owner.zone)
        deals.append(deal)
    Deal.objects.bulk_create(deals, batch_size=2000)


def measure() -> list[str]:
    from bench.pages import create_database

    create_database(os.environ["DATABASE_URL"])
    django.setup()
    import time_machine
    from django.core import mail
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from crm.models import Deal
    from reminders.models import Kind, OutboxEmail, Status
    from reminders.tasks import plan_reminders

    started = time.perf_counter()
    populate()
    seeded = time.perf_counter() - started
    OutboxEmail.objects.all().delete()  # each run starts with an empty outbox
    mail.outbox = []
    with time_machine.travel(MOMENT, tick=True):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            made = plan_reminders.delay().get()
            elapsed = time.perf_counter() - started
        again = plan_reminders.delay().get()
    expected = OWNERS + 1  # a next-actions digest per owner, the manager's stale deals
    rows = dict(
        OutboxEmail.objects.filter(status=Status.SENT)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    sent = len(mail.outbox)
    assert rows == {Kind.NEXT_ACTIONS: OWNERS, Kind.STALE_DEALS: 1}, rows
    assert made == expected, made
    assert sent == expected, sent
    assert again == 0, again
    assert not OutboxEmail.objects.exclude(status=Status.SENT).exists()
    verdict = "OK" if elapsed <= TARGET_S else "SLOWER THAN TARGET"
    overdue = Deal.objects.overdue(MOMENT).count()
    return [
        f"{overdue} overdue deals, {OWNERS} owners (data ready in {seeded:.1f} s)",
        f"reminder run (plan + send {sent} emails) {elapsed:6.2f} s, "
        f"target <= {TARGET_S:.0f} s ({verdict}); {len(queries)} queries; "
        f"a second run made {again}",
    ]


if __name__ == "__main__":
    for line in measure():
        print(line)
