"""CRM pages and API as data grows: 20,000 deals (100,000 with RELAY_BENCH_DEALS), timed.

Runs against the database in DATABASE_URL (``make bench`` uses ``relay_bench`` on the local
PostgreSQL), creating the data once with bulk inserts. Reports the median time and the number
of SQL queries per request; the query counts must not grow with the data.
"""

import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relay_bench")

DEALS = int(os.environ.get("RELAY_BENCH_DEALS", "20000"))
RUNS = 7
TARGET_MS = 300.0


def ensure_database() -> None:
    """Create the benchmark database when it does not exist (PostgreSQL only)."""
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def populate() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import user_create
    from crm.models import (
        DEFAULT_PROBABILITY,
        OPEN_STAGES,
        Company,
        Contact,
        Deal,
        LeadSource,
        Stage,
    )

    call_command("migrate", verbosity=0)
    if Deal.objects.count() >= DEALS:
        return
    rng = random.Random(7)
    owners = []
    for i in range(20):
        user = User.objects.filter(username=f"bench{i}").first() or user_create(
            username=f"bench{i}", role="sales_rep", password="bench-password-1"
        )
        owners.append(user)
    sources = list(LeadSource.objects.all())
    companies = Company.objects.bulk_create(
        Company(name=f"Bench company {i}", domain=f"bench{i}.example", owner=owners[i % 20])
        for i in range(DEALS // 5)
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            first_name=f"Ann{i}",
            last_name="Bench",
            email=f"ann{i}@bench.example",
            company=companies[i % len(companies)],
            owner=owners[i % 20],
        )
        for i in range(DEALS // 2)
    )
    today = timezone.localdate()
    stages = [*OPEN_STAGES, Stage.WON, Stage.LOST]
    deals = []
    for i in range(DEALS):
        stage = stages[i % len(stages)]
        due = today + dt.timedelta(days=rng.randint(-10, 30))
        owner = owners[i % 20]
        deal = Deal(
            title=f"Bench deal {i}",
            company=companies[i % len(companies)],
            contact=contacts[i % len(contacts)],
            owner=owner,
            created_by=owner,
            amount=Decimal(rng.randrange(1, 200) * 500),
            source=sources[i % len(sources)],
            expected_close_date=today + dt.timedelta(days=rng.randint(0, 180)),
            qualification_notes="Bench",
            next_action="Call",
            next_action_due_date=due,
            stage=stage,
            probability=DEFAULT_PROBABILITY[Stage(stage)],
        )
        deal.next_action_due_at = deal.compute_due_at(owner.zone)
        deals.append(deal)
    Deal.objects.bulk_create(deals, batch_size=2000)


def measure(client, url: str, **kwargs) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, **kwargs)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(timings), queries


def run() -> list[str]:
    ensure_database()
    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from accounts.services import api_token_create
    from crm.models import Deal

    settings.ALLOWED_HOSTS = ["*"]
    populate()
    user = User.objects.get(username="bench0")
    client = Client()
    client.force_login(user)
    _, raw = api_token_create(user=user, name="bench")
    api = {"headers": {"Authorization": f"Bearer {raw}"}}
    first_deal = Deal.objects.order_by("pk").values_list("pk", flat=True).first()
    lines = [f"{Deal.objects.count()} deals in {settings.DATABASES['default']['NAME']}"]
    for label, url, kwargs in [
        ("pipeline board", "/pipeline/", {}),
        ("deal list, first page", "/deals/", {}),
        ("deal list, page 200", "/deals/?page=200", {}),
        ("deal list, overdue, by due date", "/deals/?overdue=on&sort=next_action_due_at", {}),
        ("deal page", f"/deals/{first_deal}/", {}),
        ("search", "/search/?q=Bench+company+42", {}),
        ("my work", "/", {}),
        ("API deals, 50", "/api/v1/deals?limit=50", api),
        ("API pipeline report", "/api/v1/reports/pipeline", api),
    ]:
        median, queries = measure(client, url, **kwargs)
        verdict = "OK" if median < TARGET_MS else "SLOWER THAN TARGET"
        lines.append(f"{label:<34} median {median:7.1f} ms, {queries:2d} queries ({verdict})")
    return lines
