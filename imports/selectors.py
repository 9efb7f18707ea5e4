"""Reads for the import wizard: a user's imports, a file's columns with sample values, and
the values in the file that Relay cannot place by itself (for the value mapping)."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from crm.models import LeadSource, LostReason, Stage
from imports import engine, profiles, reading
from imports.models import ImportJob, Kind
from imports.services import can_see, local_file

VALUE_FIELDS = {
    Kind.COMPANIES: ("owner",),
    Kind.CONTACTS: ("owner",),
    Kind.DEALS: ("stage", "status", "owner", "source", "lost_reason"),
    Kind.ACTIVITIES: ("kind", "author"),
}


def imports_for(user: User) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")
    return jobs if user.has_perm("crm.reassign_deal") else jobs.filter(created_by=user)


def import_get_for_user(*, user: User, pk: int) -> ImportJob:
    job = ImportJob.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or not can_see(user, job):
        raise Http404("No such import.")
    return job


@dataclass
class Column:
    name: str
    field: str | None
    samples: list[str]


def columns(job: ImportJob) -> list[Column]:
    with local_file(job) as path:
        samples = reading.column_samples(path, reading.Layout(**job.layout))
    return [
        Column(name, job.mapping.get(name), samples.get(name, [])) for name in job.layout["header"]
    ]


@dataclass
class FileValue:
    field: str
    value: str
    rows: int
    choice: str  # the Relay value it maps to now ("" = none: the row would fail)
    automatic: bool  # Relay placed it by itself


def _automatic(run: engine.Run, field: str, value: str) -> str:
    key = engine._key(value)
    if field in ("owner", "author"):
        user = run.users.get(key)
        return str(user.pk) if user else ""
    if field == "stage":
        return profiles.stage_value(run.job.system, value) or ""
    if field == "status":
        return profiles.status_value(value, run.job.system) or ""
    if field == "source":
        return next((s.name for k, s in run.sources.items() if k == key), "")
    if field == "lost_reason":
        return next((r.name for k, r in run.reasons.items() if k == key), "")
    if field == "kind":
        return engine.ACTIVITY_KINDS.get(key, "")
    return ""


def file_values(job: ImportJob) -> dict[str, list[FileValue]]:
    """Per value field the file maps: each distinct value (the most frequent
    ``reading.VALUES_KEPT``, as counted at upload), how many rows hold it and what it maps
    to, the user's choice first. Only a column of too many distinct values for the upload's
    count is read again here."""
    with local_file(job) as path:
        run = engine.Run(job, path)
        fields = [f for f in VALUE_FIELDS[Kind(job.kind)] if f in run.columns]
        counted: dict[str, list[tuple[str, int]]] = {}
        unread = []
        for name in fields:
            stored = job.column_values.get(run.columns[name])
            if stored is None:
                unread.append(name)
            else:
                counted[name] = [(value, rows) for value, rows in stored]
        if unread:
            counts: dict[str, Counter[str]] = {f: Counter() for f in unread}
            for row in reading.read_rows(path, run.layout):
                for name in unread:
                    value = row.cells.get(run.columns[name], "")
                    if value:
                        counts[name][value] += 1
            counted |= {name: counts[name].most_common(reading.VALUES_KEPT) for name in unread}
    found: dict[str, list[FileValue]] = {}
    for name in fields:
        listed = []
        for value, rows in counted[name]:
            automatic = _automatic(run, name, value)
            chosen = run.mapped(name, value)
            listed.append(
                FileValue(name, value, rows, chosen or automatic, not chosen and bool(automatic))
            )
        found[name] = listed
    return found


def value_choices(field: str) -> list[tuple[str, str]]:
    """What a file's value of ``field`` may map to."""
    if field in ("owner", "author"):
        return [
            (str(u.pk), u.display_name)
            for u in User.objects.filter(is_active=True).order_by("full_name", "username")
        ]
    if field == "stage":
        return [(s.value, s.label) for s in Stage]
    if field == "status":
        return [("open", "Open"), (Stage.WON, "Won"), (Stage.LOST, "Lost")]
    if field == "source":
        return [(s.name, s.name) for s in LeadSource.objects.order_by("name")]
    if field == "lost_reason":
        return [(r.name, r.name) for r in LostReason.objects.order_by("name")]
    if field == "kind":
        return [("note", "Note"), ("call", "Call"), ("email", "Email"), ("meeting", "Meeting")]
    return []


def summary(job: ImportJob) -> dict[str, Any]:
    return {
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "failed": job.failed,
    }
