"""The load test: a working day of 200 people at once, under Locust, for 5 minutes.

Targets (issue 12): no failed request, p95 <= 300 ms, every gunicorn worker <= 250 MB.

Relay is served as production serves it: ``DEBUG=false``, collectstatic's manifest served by
whitenoise, gunicorn with one sync worker per core on 127.0.0.1, a Celery worker (with beat
embedded, so mentions and digests are planned and sent) on Redis, email into the worker's
memory. The database is ``RELAY_LOAD_DATABASE_URL`` (else ``DATABASE_URL``, else
``relay_load`` on the local PostgreSQL) and is assumed seeded; ``--seed-demo`` runs
``seed_demo`` first when it has no deals. The simulated users sign in as the database's own
active users in four roles, in these proportions: sales reps 45%, sales managers 10%, delivery
leads 15%, delivery members 30% (several simulated users share an account when there are
fewer accounts; each is given its own rows to write to). Their password is ``--password``
(``relay-demo``, seed_demo's); ``--set-password`` gives it to those accounts first.

``python -m bench.load`` (options below; ``--smoke`` is 20 users for 30 s) or ``run()``, which
reads ``RELAY_LOAD_USERS``, ``RELAY_LOAD_DURATION``, ``RELAY_LOAD_SMOKE`` and
``RELAY_LOAD_SEED_DEMO``. Locust's CSV statistics and every request's timing go to
``var/load/``; each figure is printed with its verdict against its target.
"""

import argparse
import csv
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "load"
TARGET_P95_MS = 300.0
TARGET_RSS_MB = 250.0
#: Share of the simulated users per role: a services firm's day.
MIX = {"sales_rep": 0.45, "sales_manager": 0.10, "delivery_lead": 0.15, "delivery_member": 0.30}
#: An account in several roles is simulated in the first of these it has.
ROLE_ORDER = ["sales_manager", "delivery_lead", "sales_rep", "delivery_member"]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/relay_load"
#: The simulated users per role of this run, for the report.
PLAN_COUNTS: dict[str, list] = {}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=summary)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--duration", default="5m", help="time after everyone has signed in: 30s, 5m (default)"
    )
    parser.add_argument("--spawn-rate", type=float, default=None, help="default: users / 60 s")
    parser.add_argument("--smoke", action="store_true", help="20 users for 30 s")
    parser.add_argument(
        "--think", default="10,50", help="seconds between one person's clicks: min,max (10,50)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--password", default="relay-demo")
    parser.add_argument("--set-password", action="store_true")
    parser.add_argument("--seed-demo", action="store_true", help="seed_demo if there are no deals")
    args = parser.parse_args(argv)
    if args.smoke:
        args.users, args.duration = 20, "30s"
    if args.spawn_rate is None:
        args.spawn_rate = max(args.users / 60, 1.0)
    args.seconds = seconds(args.duration)
    # The locustfile stops the run --duration after the last sign-in; this is a safety limit.
    args.run_time = math.ceil(args.users / args.spawn_rate) + args.seconds + 900
    return args


def seconds(text: str) -> int:
    """``30s``, ``5m``, ``1h`` or a number of seconds."""
    found = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not found:
        raise SystemExit(f"--duration: {text!r} is not like 30s, 5m or 300")
    return int(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]


def environment(port: int) -> dict[str, str]:
    """Production settings on the load database, Redis DB 14 as the broker."""
    url = os.environ.get("RELAY_LOAD_DATABASE_URL") or os.environ.get("DATABASE_URL", DEFAULT_URL)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "relay-load-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(OUT / "staticfiles"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "REDIS_URL": os.environ.get("RELAY_LOAD_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


# --- The plan: who each simulated user is and what it may write to ------------------------


def split(total: int, shares: dict[str, float]) -> dict[str, int]:
    """``total`` split by ``shares`` (largest remainder), at least one for each share."""
    norm = sum(shares.values())
    exact = {k: total * v / norm for k, v in shares.items()}
    counts = {k: max(1, math.floor(v)) for k, v in exact.items()}
    for key in sorted(exact, key=lambda k: exact[k] - math.floor(exact[k]), reverse=True):
        if sum(counts.values()) >= total:
            break
        counts[key] += 1
    while sum(counts.values()) > total:
        counts[max(counts, key=lambda k: counts[k])] -= 1
    return counts


def make_plan(args: argparse.Namespace) -> tuple[dict[str, Any], list[int]]:
    """The plan for ``bench/locustfile.py`` and the ids of the API tokens made for it."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from accounts.services import api_token_create
    from crm.models import Company, Contact, Deal, Stage
    from crm.selectors import deal_visible_to
    from projects.models import Task
    from projects.selectors import project_list_for_user

    rng = random.Random(12)
    accounts: dict[str, list[User]] = {role: [] for role in ROLE_ORDER}
    for user in User.objects.filter(is_active=True).prefetch_related("groups").order_by("pk"):
        role = next((r for r in ROLE_ORDER if user.has_role(r)), None)
        if role and not user.is_superuser:
            accounts[role].append(user)
    present = {role: MIX[role] for role in MIX if accounts[role]}
    if not present:
        raise SystemExit("No users to sign in as: seed the database (or pass --seed-demo).")
    if args.set_password:
        hashed = make_password(args.password)
        User.objects.filter(pk__in=[u.pk for us in accounts.values() for u in us]).update(
            password=hashed
        )
    else:
        for role in present:
            if not accounts[role][0].check_password(args.password):
                raise SystemExit(
                    f"{accounts[role][0].username}'s password is not --password; "
                    "pass the right one or --set-password."
                )

    def sample(queryset: Any, n: int) -> list[int]:
        ids = list(queryset.values_list("pk", flat=True)[: n * 4])
        return rng.sample(ids, min(n, len(ids)))

    names = list(Company.objects.values_list("name", flat=True)[:400])
    terms = sorted({w for name in names for w in re.findall(r"[A-Za-z]{4,}", name)})[:200]
    shared = {
        "deals": sample(Deal.objects.order_by("?"), 500),
        "companies": sample(Company.objects.order_by("?"), 300),
        "contacts": sample(Contact.objects.order_by("?"), 300),
        "search_terms": terms or ["a"],
        "owner_ids": [u.pk for u in accounts["sales_rep"]],
    }
    counts = split(args.users, present)
    sessions: dict[str, list[dict[str, Any]]] = {role: [] for role in MIX}
    token_ids = []
    for role, count in counts.items():
        users = accounts[role]
        per_account = {u.pk: math.ceil((count - i) / len(users)) for i, u in enumerate(users)}
        for i in range(count):
            user = users[i % len(users)]
            k, s = i // len(users), per_account[user.pk]
            token, raw = api_token_create(user=user, name="load test")
            token_ids.append(token.pk)
            projects = list(project_list_for_user(user).values_list("pk", flat=True)[:200])
            tasks = Task.objects.filter(project_id__in=projects).order_by("pk")
            entry: dict[str, Any] = {
                "username": user.username,
                "token": raw,
                "seed": i,
                "projects": projects,
                "tasks": sample(tasks, 300),
            }
            if role == "sales_rep":
                own = Deal.objects.open().filter(owner=user).order_by("pk")
                entry["own_deals"] = list(own.values_list("pk", flat=True)[: 50 * s])[k::s]
            if role == "delivery_lead":
                led = tasks.filter(project__delivery_lead=user).values_list("pk", flat=True)
                entry["own_tasks"] = list(led[: 50 * s])[k::s]
                won = deal_visible_to(user).filter(stage=Stage.WON)
                entry["deals"] = sample(won, 100)
            if role == "delivery_member":
                mine = Task.objects.filter(assignee=user).order_by("pk")
                entry["own_tasks"] = list(mine.values_list("pk", flat=True)[: 50 * s])[k::s]
            sessions[role].append(entry)
    plan = {"password": args.password, "shared": shared, "sessions": sessions}
    return plan, token_ids


# --- Processes --------------------------------------------------------------------------


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A process in its own session, stopped with its whole group (TERM, then KILL)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    import urllib.request

    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        with suppress(OSError), direct.open(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer in {timeout} s:\n{log.read_text(errors='replace')}")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def rss_mb(pid: int) -> float:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class MemoryWatch(threading.Thread):
    """Samples, once a second, the resident memory of every child of each watched master
    (gunicorn's workers, Celery's pool) and keeps each group's maximum."""

    def __init__(self, masters: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.masters = masters
        self.peak = dict.fromkeys(masters, 0.0)
        self.pids: dict[str, set[int]] = {name: set() for name in masters}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            for name, master in self.masters.items():
                pids = children(master) or [master]
                self.pids[name].update(pids)
                self.peak[name] = max([self.peak[name], *(rss_mb(p) for p in pids)])


# --- Figures --------------------------------------------------------------------------------


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def verdict(ok: bool) -> str:
    return "OK" if ok else "SLOWER THAN TARGET"


def figures(
    args: argparse.Namespace, watch: MemoryWatch, elapsed: float, load_before: str
) -> list[str]:
    """The figures: the target's p95 is over the working day once everyone has signed in
    (the ramp's sign-ins, a deliberately slow password hash each, are reported apart)."""
    rows = list(csv.DictReader((OUT / "requests.csv").open()))
    sign_ins = [r for r in rows if r["name"] == "sign in: post"]
    signed_in = max((float(r["start"]) + float(r["ms"]) / 1000 for r in sign_ins), default=0.0)
    steady = [r for r in rows if float(r["start"]) > signed_in]
    window = max((float(r["start"]) for r in steady), default=signed_in) - signed_in
    failures = [r for r in rows if r["ok"] != "1"]

    def ms(some: list[dict[str, str]]) -> list[float]:
        return [float(r["ms"]) for r in some]

    def spread(values: list[float]) -> str:
        return (
            f"median {statistics.median(values or [0]):5.0f} ms, p95 {p(values, 0.95):5.0f} ms, "
            f"p99 {p(values, 0.99):5.0f} ms, max {max(values or [0]):5.0f} ms"
        )

    p95 = p(ms(steady), 0.95)
    gunicorn_peak = watch.peak["gunicorn"]
    lines = [
        f"{args.users} users ({', '.join(f'{len(v)} {k}' for k, v in PLAN_COUNTS.items())}), "
        f"think {args.think} s, gunicorn {args.workers} sync workers; {len(rows)} requests "
        f"in {elapsed:.0f} s; load average before the run {load_before} on {os.cpu_count()} cores",
        f"failed requests: {len(failures)} of {len(rows)}, target 0 "
        f"({'OK' if not failures else 'FAILURES'})",
        f"working day, everyone signed in ({len(steady)} requests in {window:.0f} s, "
        f"{len(steady) / max(window, 1):.1f}/s): {spread(ms(steady))}; target p95 <= "
        f"{TARGET_P95_MS:.0f} ms ({verdict(p95 <= TARGET_P95_MS)})",
        f"whole run with the ramp: {spread(ms(rows))}",
        f"sign-in posts ({len(sign_ins)}, one password hash each): {spread(ms(sign_ins))}",
        f"gunicorn worker RSS max {gunicorn_peak:.0f} MB ({len(watch.pids['gunicorn'])} "
        f"workers), target <= {TARGET_RSS_MB:.0f} MB ({verdict(gunicorn_peak <= TARGET_RSS_MB)}); "
        f"Celery worker max {watch.peak['celery']:.0f} MB",
    ]
    by_name: dict[str, list[float]] = {}
    for r in steady:
        by_name.setdefault(r["name"], []).append(float(r["ms"]))
    slowest = sorted(by_name.items(), key=lambda kv: p(kv[1], 0.95), reverse=True)[:8]
    lines.append(
        "slowest p95 once signed in: "
        + "; ".join(f"{n} {p(v, 0.95):.0f} ms ({len(v)})" for n, v in slowest)
    )
    kinds: dict[str, int] = {}
    for r in failures:
        key = f"{r['name']}: {r['error'][:120]}"
        kinds[key] = kinds.get(key, 0) + 1
    lines += [f"  {n} x {key}" for key, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:10]]
    lines.append(f"Locust CSV and per-request timings in {OUT.relative_to(ROOT)}/")
    return lines


def main(argv: list[str] | None = None) -> list[str]:
    args = parse(argv)
    env = environment(args.port)
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    OUT.mkdir(parents=True, exist_ok=True)
    from bench.pages import create_database

    create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import ApiToken
    from crm.models import Deal

    call_command("migrate", verbosity=0)
    if args.seed_demo and not Deal.objects.exists():
        call_command("seed_demo", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    plan, token_ids = make_plan(args)
    PLAN_COUNTS.update(plan["sessions"])
    plan_path = OUT / "plan.json"
    plan_path.write_text(json.dumps(plan))
    from django.db import connections

    connections.close_all()
    for old in OUT.glob("locust_*.csv"):
        old.unlink()
    python = sys.executable
    base = f"http://127.0.0.1:{args.port}"
    gunicorn = [
        python, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
        "--workers", str(args.workers), "--access-logfile", "-", "--no-control-socket",
    ]  # fmt: skip
    celery = [
        python, "-m", "celery", "-A", "config", "worker", "--beat", "--concurrency", "1",
        "--schedule", str(OUT / "celerybeat-schedule"), "--without-gossip", "--without-mingle",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    locust = [
        python, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "--host", base, "-u", str(args.users), "-r", str(args.spawn_rate),
        "-t", f"{args.run_time}s",
        "--csv", str(OUT / "locust"), "--only-summary", "--stop-timeout", "20",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    locust_env = {**env, "RELAY_LOAD_PLAN": str(plan_path), "RELAY_LOAD_THINK": args.think}
    locust_env["RELAY_LOAD_TIMINGS"] = str(OUT / "requests.csv")
    locust_env["RELAY_LOAD_SECONDS"] = str(args.seconds)
    try:
        with (
            process(gunicorn, env, OUT / "gunicorn.log") as web,
            process(celery, env, OUT / "celery.log") as worker,
        ):
            wait_http(base + "/healthz", web, OUT / "gunicorn.log")
            load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            watch = MemoryWatch({"gunicorn": web.pid, "celery": worker.pid})
            watch.start()
            started = time.monotonic()
            done = subprocess.run(locust, cwd=ROOT, env=locust_env, capture_output=True, text=True)
            elapsed = time.monotonic() - started
            watch.done.set()
            (OUT / "locust.log").write_text(done.stdout + done.stderr)
            if done.returncode:
                raise SystemExit(f"locust failed:\n{done.stdout}{done.stderr}"[-4000:])
    finally:
        from django.utils import timezone

        ApiToken.objects.filter(pk__in=token_ids).update(revoked_at=timezone.now())
    return figures(args, watch, elapsed, load_before)


def run() -> list[str]:
    """For ``python -m bench``: in a process of its own (production settings, its database)."""
    argv = ["--users", os.environ.get("RELAY_LOAD_USERS", "200")]
    env = dict(os.environ)
    if not env.get("RELAY_LOAD_DATABASE_URL"):  # bench.pages' 100,000 deals, seeded before
        from bench.pages import database_url, seed

        size = max(int(n) for n in os.environ.get("RELAY_BENCH_SIZES", "100000").split(","))
        seed(size)
        env["RELAY_LOAD_DATABASE_URL"] = database_url(size)
    argv += ["--duration", os.environ.get("RELAY_LOAD_DURATION", "5m")]
    if os.environ.get("RELAY_LOAD_SMOKE"):
        argv.append("--smoke")
    if os.environ.get("RELAY_LOAD_SEED_DEMO") and "--seed-demo" not in argv:
        argv.append("--seed-demo")
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"bench.load failed:\n{done.stdout}{done.stderr}")
    return done.stdout.splitlines()


if __name__ == "__main__":
    for line in main():
        print(line, flush=True)
