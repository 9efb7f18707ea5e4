"""Imports at size: 10,000 deal rows checked (the preview) and imported, and 200,000 contacts
imported, in rows per second; the import's memory at 20,000 and at 200,000 contacts (traced
runs of their own: tracemalloc would slow the timed ones).

Targets (issue 13): 10,000 deals previewed in under 15 s and imported in under 60 s;
200,000 contacts in under 10 minutes; memory flat in the file's size (the peak of Python's
allocations at 200,000 rows no more than 1.5x the peak at 20,000).

Runs in its own database (``relay_bench_imports`` beside DATABASE_URL's), emptied of
imported rows first, in a process of its own, with the engine called as the Celery job calls
it. The files are written here: a Pipedrive-style deals export (organisations by name, open
deals with a next activity, won and lost history) and a contacts export.
"""

import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEALS, CONTACTS, SMALL_CONTACTS = 10_000, 200_000, 20_000
TARGETS = {"deals preview": 15.0, "deals import": 60.0, "contacts import": 600.0}
MEMORY_GROWTH = 1.5


def database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relay_bench")
    return f"{base.rsplit('/', 1)[0]}/relay_bench_imports"


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "bench-imports-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
    }


def run() -> list[str]:
    from bench.pages import create_database

    create_database(database_url())
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment(),
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.imports"],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return ["FAILED:", *done.stderr.strip().splitlines()[-15:]]
    return done.stdout.strip().splitlines()


DEAL_HEADER = [
    "Deal - ID",
    "Deal - Title",
    "Deal - Organization",
    "Deal - Value",
    "Deal - Currency",
    "Deal - Stage",
    "Deal - Status",
    "Deal - Owner",
    "Deal - Expected close date",
    "Deal - Deal created",
    "Deal - Won time",
    "Deal - Lost time",
    "Deal - Lost reason",
    "Deal - Next activity subject",
    "Deal - Next activity date",
    "Deal - Notes",
]
DEAL_MAPPING = dict(
    zip(
        DEAL_HEADER,
        [
            "external_id",
            "title",
            "company",
            "amount",
            "currency",
            "stage",
            "status",
            "owner",
            "expected_close_date",
            "created_at",
            "won_at",
            "lost_at",
            "lost_reason",
            "next_action",
            "next_action_due",
            "qualification_notes",
        ],
        strict=True,
    )
)
STAGES = ["Lead In", "Contact Made", "Proposal Made", "Negotiations Started"]
CONTACT_HEADER = [
    "Person - ID",
    "Person - Name",
    "Person - Email",
    "Person - Phone",
    "Person - Organization",
]
CONTACT_MAPPING = dict(
    zip(CONTACT_HEADER, ["external_id", "full_name", "email", "phone", "company"], strict=True)
)


def write_deals(path: Path, rows: int, owner: str) -> None:
    rng = random.Random(13)
    today = dt.date(2026, 12, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(DEAL_HEADER)
        for i in range(rows):
            status = rng.choices(["open", "won", "lost"], [80, 12, 8])[0]
            created = today - dt.timedelta(days=rng.randint(30, 700))
            closed = created + dt.timedelta(days=rng.randint(10, 90))
            stage = rng.choice(STAGES)
            out.writerow(
                [
                    f"bench-{i}",
                    f"Project {i} for Company {i % 2500}",
                    f"Company {i % 2500}",
                    f"{rng.randrange(1, 400) * 250}.00",
                    "EUR",
                    stage,
                    status,
                    owner,
                    (today + dt.timedelta(days=rng.randint(10, 200))).isoformat(),
                    f"{created.isoformat()} 09:{i % 60:02d}:00",
                    f"{closed.isoformat()} 16:00:00" if status == "won" else "",
                    f"{closed.isoformat()} 16:00:00" if status == "lost" else "",
                    rng.choice(["Price", "Timing", "Competitor"]) if status == "lost" else "",
                    "Follow up" if status == "open" else "",
                    (today + dt.timedelta(days=rng.randint(-5, 20))).isoformat()
                    if status == "open"
                    else "",
                    "Qualified in the old CRM." if stage != "Lead In" else "",
                ]
            )


def write_contacts(path: Path, rows: int, tag: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CONTACT_HEADER)
        for i in range(rows):
            out.writerow(
                [
                    f"{tag}-{i}",
                    f"Person{i} Example{i % 997}",
                    f"person{i}.{tag}@example.test",
                    f"+49 30 {i:07d}",
                    f"Company {i % 2500}",
                ]
            )


def _import(
    user, kind: str, path: Path, mapping: dict[str, str], *, dry_run: bool, trace: bool = False
):
    """Upload a file and run its import as the Celery job does: its seconds, and with
    ``trace`` the peak of Python's allocations (tracemalloc slows Python down, so timed runs
    go without it)."""
    from django.core.files import File

    from imports import engine, services
    from imports.models import Status

    if trace:
        tracemalloc.start()
    started = time.perf_counter()  # the upload (what the wizard reads of the file) counts
    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        upload.size = path.stat().st_size
        job = services.import_create(
            by=user, upload=upload, kind=kind, options={"mapping": mapping}
        )
    job.status, job.dry_run = Status.QUEUED, dry_run
    job.save(update_fields=["status", "dry_run"])
    engine.run(job)
    elapsed = time.perf_counter() - started
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == Status.DONE, (job.status, job.message, list(job.problems.all()[:5]))
    return job, elapsed, peak


def measure() -> list[str]:
    import django

    django.setup()
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_create
    from crm.models import Activity, Company, Contact, Deal, StageChange
    from imports.models import ExternalId, ImportJob

    for model in (StageChange, Activity, Deal, Contact, ExternalId, ImportJob, Company):
        model.objects.all().delete()
    user = User.objects.filter(username="bench-importer").first() or user_create(
        username="bench-importer", role=Role.SALES_MANAGER, full_name="Bench Importer"
    )
    lines = []
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        deals = Path(folder) / "pipedrive-deals.csv"
        write_deals(deals, DEALS, "Bench Importer")
        for label, dry in (("deals preview", True), ("deals import", False)):
            job, elapsed, _ = _import(user, "deals", deals, DEAL_MAPPING, dry_run=dry)
            results[label] = elapsed
            lines.append(
                f"{label:<16} {DEALS:>7,} rows {elapsed:6.1f} s = {DEALS / elapsed:6.0f} rows/s "
                f"({job.created} created; target < {TARGETS[label]:.0f} s: "
                f"{'OK' if elapsed < TARGETS[label] else 'SLOWER THAN TARGET'})"
            )
        # Timed without tracemalloc (it slows Python down about threefold); the memory
        # runs below trace other files of the same shape.
        path = Path(folder) / "contacts-timed.csv"
        write_contacts(path, CONTACTS, "timed")
        job, elapsed, _ = _import(user, "contacts", path, CONTACT_MAPPING, dry_run=False)
        target = TARGETS["contacts import"]
        lines.append(
            f"contacts import  {CONTACTS:>7,} rows {elapsed:6.1f} s = {CONTACTS / elapsed:6.0f} "
            f"rows/s ({job.created} created; target < {target:.0f} s: "
            f"{'OK' if elapsed < target else 'SLOWER THAN TARGET'})"
        )
        peaks = {}
        for rows, tag in ((SMALL_CONTACTS, "small"), (CONTACTS, "big")):
            path = Path(folder) / f"contacts-{tag}.csv"
            write_contacts(path, rows, tag)
            job, elapsed, peak = _import(
                user, "contacts", path, CONTACT_MAPPING, dry_run=False, trace=True
            )
            peaks[rows] = peak
            lines.append(
                f"contacts traced  {rows:>7,} rows {elapsed:6.1f} s, peak of Python's "
                f"allocations {peak / 2**20:5.1f} MB ({job.created} created)"
            )
        growth = peaks[CONTACTS] / peaks[SMALL_CONTACTS]
        lines.append(
            f"memory: peak at {CONTACTS:,} contacts {growth:.2f}x the peak at {SMALL_CONTACTS:,} "
            f"(target <= {MEMORY_GROWTH}x: "
            f"{'OK' if growth <= MEMORY_GROWTH else 'SLOWER THAN TARGET'})"
        )
    return lines


if __name__ == "__main__":
    for line in measure():
        print(line)
