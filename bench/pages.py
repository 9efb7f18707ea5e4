"""Every list, page, dashboard and API read at 1,000 and 100,000 deals, against the targets.

``seed_demo --deals N`` fills one database per size (``relay_bench_1000``,
``relay_bench_100000`` beside DATABASE_URL's), timed, once: a database that already holds its
size is reused. Each size is then served by a process of its own (DEBUG off, the production
settings) and measured with Django's test client: server time, from the request entering the
middleware to the last byte of the response, in 6 rounds of 5 requests per read, the two
sizes' rounds interleaved (median and 95th percentile of the 30), and the SQL queries of one
request.

Targets (issue 12): every page and API read median <= 50 ms, p95 <= 100 ms and no more than
1.5x its time at 1,000 deals; the board median <= 80 ms (and 1.5x); dashboards and reports
median <= 150 ms (their target, read as replacing the page targets); at most 15 queries, the
same at both sizes; ``seed_demo --deals 100000`` under 3 minutes.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(n) for n in os.environ.get("RELAY_BENCH_SIZES", "1000,100000").split(",")]
ROUNDS, PER_ROUND = 6, 5
SEED_TARGET_S = {100_000: 180.0}
MAX_QUERIES = 15
GROWTH = 1.5


@dataclass(frozen=True)
class Read:
    label: str
    url: str
    user: str  # "rep", "manager" or "lead": resolved to a seeded user of that role
    kind: str = "page"  # "page", "board", "report"


def reads(
    size: int,
    name: str,
    word: str,
    deal_id: int,
    company_id: int,
    contact_id: int,
    promise_deal_id: int,
) -> list[Read]:
    """``name`` is a customer's whole name, what a user looking for it types; ``word`` the
    first word of it, which the demo's names share with one company in 18 (a stress case
    that matches thousands of rows at 100,000 deals)."""
    deep = int(size * 0.9)
    return [
        Read("My work (rep)", "/", "rep"),
        Read("My work (manager)", "/", "manager"),
        Read("My work, the team's figures", "/my-work/team/", "manager", "report"),
        Read("pipeline board", "/pipeline/", "rep", "board"),
        Read("deal list, first page", "/deals/", "rep"),
        Read("deal list, sorted by amount", "/deals/?sort=-amount", "rep"),
        Read("deal list, open, overdue first", "/deals/?stage=open&overdue=on", "rep"),
        Read("deal list, ?q=a customer's name", f"/deals/?q={name}", "rep"),
        Read("deal list, ?q=a word of 1 in 18 names", f"/deals/?q={word}", "rep"),
        Read("deal list, page 200", "/deals/?page=200", "rep"),
        Read("deal page", f"/deals/{deal_id}/", "rep"),
        Read(
            "deal page, handoff drafted (the promise's chance)", f"/deals/{promise_deal_id}/", "rep"
        ),
        Read("companies list", "/companies/", "rep"),
        Read("company page", f"/companies/{company_id}/", "rep"),
        Read("contacts list", "/contacts/", "rep"),
        Read("contact page", f"/contacts/{contact_id}/", "rep"),
        Read("search ?q=a customer's name", f"/search/?q={name}", "rep"),
        Read("search ?q=a word of 1 in 18 names", f"/search/?q={word}", "rep"),
        Read("sales dashboard", "/dashboards/sales/", "manager", "report"),
        Read("API deals?limit=50", "/api/v1/deals?limit=50", "rep"),
        Read(f"API deals?offset={deep}", f"/api/v1/deals?limit=50&offset={deep}", "rep"),
        Read("API reports/pipeline", "/api/v1/reports/pipeline", "manager", "report"),
        Read("API reports/forecast", "/api/v1/reports/forecast", "manager", "report"),
        Read("API reports/sources", "/api/v1/reports/sources", "manager", "report"),
        Read("API reports/follow-up", "/api/v1/reports/follow-up", "manager", "report"),
    ]


def database_url(size: int) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relay_bench")
    return f"{base.rsplit('/', 1)[0]}/relay_bench_{size}"


def _environment(size: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(size),
        "DEBUG": "false",
        "SECRET_KEY": "bench-not-secret-bench-not-secret-bench-not-secret",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",  # as behind the TLS proxy
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def create_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _deals_in(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('crm_deal') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return 0
        row = conn.execute("SELECT count(*) FROM crm_deal").fetchone()
        return int(row[0]) if row else 0


def seed(size: int) -> float | None:
    """Seed the size's database unless it holds the data already; the seconds it took."""
    url = database_url(size)
    create_database(url)
    env = _environment(size)
    manage = [sys.executable, "manage.py"]
    # (a reused database gets the migrations made since it was seeded)
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if _deals_in(url) >= size:
        return None
    started = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--deals", str(size)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _drafted_handoff(rep: Any) -> Any:
    """A deal of ``rep`` in negotiation whose handoff is drafted in full (the Standard
    template, a kickoff, a promise, the stakeholder, a delivery lead): its page runs the
    promise check with its chance (the template's finished projects). The same draft at
    every size, so the pages compare; made in the seeded database, then kept."""
    import datetime as dt

    from accounts.models import User
    from accounts.roles import Role
    from crm.models import Deal
    from handoff.models import Handoff
    from projects.models import ProjectTemplate

    drafted = Handoff.objects.filter(
        deal__owner=rep, deal__stage="negotiation", template__isnull=False
    ).first()
    deal = (
        drafted.deal
        if drafted
        else Deal.objects.filter(owner=rep, stage="negotiation", contact__isnull=False)
        .order_by("pk")
        .first()
    )
    assert deal is not None
    lead = User.objects.filter(groups__name=Role.DELIVERY_LEAD, is_active=True).order_by("pk")
    Handoff.objects.update_or_create(
        deal=deal,
        defaults={
            "template": ProjectTemplate.objects.get(name="Standard delivery"),
            "kickoff_date": dt.date.today() + dt.timedelta(days=14),
            "promised_date": dt.date.today() + dt.timedelta(days=90),
            "scope_summary": "Benchmark: a drafted handoff.",
            "main_stakeholder_id": deal.contact_id,
            "delivery_lead": lead.first(),
        },
    )
    return deal


def serve() -> None:
    """In a process of its own, for the database in DATABASE_URL: warms up and counts each
    read's queries (printed as one JSON line), then times one round of every read for each
    "round" line on stdin (each round's timings printed as one JSON line)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import api_token_create
    from crm.models import Company, Deal

    size = Deal.objects.count()

    def busiest(role: str) -> User:
        users = User.objects.filter(groups__name=role, is_active=True)
        return max(users, key=lambda u: (Deal.objects.filter(owner=u).count(), -u.pk))

    people = {"rep": busiest(Role.SALES_REP), "manager": busiest(Role.SALES_MANAGER)}
    deal = Deal.objects.open().filter(owner=people["rep"]).order_by("-updated_at").first()
    assert deal is not None
    company = Company.objects.get(pk=deal.company_id)
    name = quote_plus(company.name)
    word = quote_plus(company.name.split()[0])
    clients = {}
    for key, user in people.items():
        client = Client()
        client.force_login(user)
        _, raw = api_token_create(user=user, name=f"bench {key}")
        clients[key] = (client, {"Authorization": f"Bearer {raw}"})
    contact_id = deal.contact_id or company.contacts.values_list("pk", flat=True).first()
    assert contact_id is not None
    plan = reads(
        size, name, word, deal.pk, company.pk, contact_id, _drafted_handoff(people["rep"]).pk
    )

    def get(read: Read) -> float:
        client, headers = clients[read.user]
        started = time.perf_counter()
        response = client.get(read.url, headers=headers if read.url.startswith("/api/") else {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (read.url, response.status_code)
        return elapsed

    queries: dict[str, int] = {}
    for read in plan:  # warm up, and count the queries of one request
        get(read)
        with CaptureQueriesContext(connection) as ctx:
            get(read)
        queries[read.label] = len(ctx.captured_queries)
    kinds = {read.label: read.kind for read in plan}
    print(json.dumps({"deals": size, "queries": queries, "kinds": kinds}), flush=True)
    for line in sys.stdin:
        if line.strip() != "round":
            break
        timings = {read.label: [get(read) for _ in range(PER_ROUND)] for read in plan}
        print(json.dumps(timings), flush=True)


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * pct / 100) - 1)]


def _json_line(child: subprocess.Popen[str]) -> Any:
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"bench.pages serve stopped (exit status {child.wait()})")


def measure(sizes: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """Figures per read for each size: one serving process per size, their rounds
    interleaved (one process working at a time), so that a machine slower for a while slows
    both sizes alike and the comparison between them holds."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=_environment(sizes[0]),
        check=True,
    )
    children, setup = {}, {}
    for size in sizes:
        children[size] = subprocess.Popen(
            [sys.executable, "-m", "bench.pages", "serve"],
            cwd=ROOT,
            env=_environment(size),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        setup[size] = _json_line(children[size])
    timings: dict[int, dict[str, list[float]]] = {size: {} for size in sizes}
    try:
        for _ in range(ROUNDS):
            for size, child in children.items():
                assert child.stdin is not None
                child.stdin.write("round\n")
                child.stdin.flush()
                for label, values in _json_line(child).items():
                    timings[size].setdefault(label, []).extend(values)
    finally:
        for child in children.values():
            if child.stdin is not None:
                child.stdin.close()
            child.wait()
    return {
        size: {
            label: {
                "median": statistics.median(values),
                "p95": _percentile(values, 95),
                "queries": setup[size]["queries"][label],
                "kind": setup[size]["kinds"][label],
                "deals": setup[size]["deals"],
            }
            for label, values in timings[size].items()
        }
        for size in sizes
    }


# Where the time goes in the reads that have missed a target here (measured with EXPLAIN
# ANALYZE and cProfile on the 100,000-deal data); printed under the table beside a miss.
CAUSES = {
    "deal list, ?q=a word of 1 in 18 names": "the word matches about 5,700 deals through the "
    "search text's trigram index; counting them (a bitmap heap scan with the LIKE rechecked "
    "on each row) takes 7-11 ms of the page",
    "search ?q=a word of 1 in 18 names": "four ranked queries (about 20 ms of SQL: 50 "
    "candidates per kind, scored by similarity, the projects a rep sees joined through their "
    "deals) and 80 result rows rendered",
    "My work (rep)": "its overdue, due-today and stuck counts are subqueries over the rep's "
    "deals (4,600 stuck at 100,000 deals; 7 ms with the partial index on owner and stage "
    "entered) and 30-35 ms of Python render the page",
    "My work (manager)": "a rep's day and the placeholder of the team's figures, which load "
    "on their own (the next row)",
    "My work, the team's figures": "stale and overdue deals counted by owner from the "
    "covering index crm_deal_open_owner_stale (about 51,000 of 53,000 open deals are stale "
    "in the seeded data: 10 ms)",
    "deal page": "10 queries and the history, panels and forms rendered: at the edge of the "
    "target, crossed by machine noise between runs (38-52 ms)",
    "sales dashboard": "seven widgets; the lead-source funnel groups the period's deals "
    "(about 50,000 rows, 40-60 ms), the others read running totals or partial indexes",
    "API reports/sources": "groups the period's deals (about 50,000 rows)",
}


def verdicts(figures: dict[str, float], small: dict[str, float] | None, *, big: bool) -> list[str]:
    """What misses its target, in words (nothing when every target is met)."""
    misses = []
    limit = {"board": 80.0, "report": 150.0}.get(str(figures["kind"]), 50.0)
    if big and figures["median"] > limit:
        misses.append(f"median > {limit:.0f} ms")
    if big and figures["kind"] == "page" and figures["p95"] > 100:
        misses.append("p95 > 100 ms")
    growth_applies = figures["kind"] != "report"  # their own target: median <= 150 ms
    if growth_applies and small is not None and figures["median"] > GROWTH * small["median"]:
        misses.append(f"{figures['median'] / small['median']:.1f}x its time at the small size")
    if figures["queries"] > MAX_QUERIES:
        misses.append(f"more than {MAX_QUERIES} queries")
    if small is not None and figures["queries"] != small["queries"]:
        misses.append("queries grow with the data")
    return misses


def run() -> list[str]:
    seeded = {size: seed(size) for size in SIZES}
    results = measure(SIZES)
    small_size, big_size = min(SIZES), max(SIZES)
    lines = []
    for size, seconds in seeded.items():
        if seconds is None:
            lines.append(f"seed_demo --deals {size}: reused relay_bench_{size}")
            continue
        target = SEED_TARGET_S.get(size)
        verdict = "" if target is None else (" OK" if seconds < target else " SLOWER THAN TARGET")
        lines.append(f"seed_demo --deals {size}: {seconds:.0f} s{verdict}")
    lines.append("")
    lines.append(
        f"| read | {small_size:,} deals median / p95 ms (queries) "
        f"| {big_size:,} deals median / p95 ms (queries) | x | verdict |"
    )
    lines.append("|---|---|---|---|---|")
    missed = []
    for label, big in results[big_size].items():
        small = results[small_size].get(label)
        misses = verdicts(big, small, big=True)
        growth = f"{big['median'] / small['median']:.1f}" if small else "-"
        cell = f"{small['median']:.1f} / {small['p95']:.1f} ({small['queries']})" if small else "-"
        lines.append(
            f"| {label} | {cell} | {big['median']:.1f} / {big['p95']:.1f} ({big['queries']}) "
            f"| {growth} | {'OK' if not misses else 'SLOWER THAN TARGET: ' + '; '.join(misses)} |"
        )
        if misses:
            missed.append(label)
    if missed:
        lines.append("")
        lines += [f"Cause, {label}: {CAUSES.get(label, 'not yet known')}." for label in missed]
    return lines


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        print("\n".join(run()))
