"""Every write of an import: upload, set up (mapping, values, options), start, cancel.

The work itself runs as a Celery job (``imports.tasks.run_import`` -> ``imports.engine``).
"""

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F

from accounts.models import TIME_ZONES, User
from imports import profiles, reading
from imports.models import ImportJob, Kind, OnDuplicate, Status
from records import EditConflict, locked_row

MAX_BYTES = 200 * 1024 * 1024
DATE_ORDERS = ("auto", "DMY", "MDY", "YMD")
DECIMALS = ("auto", ".", ",")
OPTION_NAMES = (
    "system",
    "date_order",
    "decimal",
    "default_owner_id",
    "default_next_action",
    "default_next_action_days",
    "on_duplicate",
    "time_zone",
)


def _require(by: User) -> None:
    if not by.has_perm("crm.import_csv"):
        raise PermissionDenied("Only sales users and admins import.")


def can_see(user: User, job: ImportJob) -> bool:
    """An import is its importer's; sales managers and admins see everyone's."""
    return job.created_by_id == user.pk or user.has_perm("crm.reassign_deal")


@contextlib.contextmanager
def local_file(job: ImportJob) -> Iterator[Path]:
    """The job's file as a path on this machine (copied when its storage has none)."""
    try:
        local = Path(job.file.path)
    except NotImplementedError:
        local = None
    if local is not None and local.is_file():
        yield local
        return
    with tempfile.NamedTemporaryFile(suffix=".csv") as copy:
        with job.file.open("rb") as stored:
            shutil.copyfileobj(stored, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)


def clean_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The import options, checked: an unknown name or value is an error naming it."""
    options = dict(options or {})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(options) - set(OPTION_NAMES) - {"mapping", "values", "dry_run"})
    for name in unknown:
        errors[name] = [f"Unknown option; use {', '.join(OPTION_NAMES)}."]
    cleaned: dict[str, Any] = {}
    system = options.get("system")
    if system not in (None, ""):
        if system not in profiles.SYSTEMS:
            errors["system"] = [f"Use one of {', '.join(profiles.SYSTEMS)}."]
        else:
            cleaned["system"] = system
    order = options.get("date_order") or "auto"
    if order not in DATE_ORDERS:
        errors["date_order"] = [f"Use one of {', '.join(DATE_ORDERS)}."]
    cleaned["date_order"] = order
    decimal = options.get("decimal") or "auto"
    if decimal not in DECIMALS:
        errors["decimal"] = [f"Use one of {', '.join(DECIMALS)}."]
    cleaned["decimal"] = decimal
    duplicate = options.get("on_duplicate") or OnDuplicate.UPDATE
    if duplicate not in OnDuplicate.values:
        errors["on_duplicate"] = [f"Use one of {', '.join(OnDuplicate.values)}."]
    cleaned["on_duplicate"] = duplicate
    owner = options.get("default_owner_id")
    if owner not in (None, ""):
        if not isinstance(owner, int) and not (isinstance(owner, str) and owner.isdigit()):
            errors["default_owner_id"] = ["A user's id."]
        elif not User.objects.filter(pk=int(owner), is_active=True).exists():
            errors["default_owner_id"] = ["No active user with this id."]
        else:
            cleaned["default_owner_id"] = int(owner)
    action = options.get("default_next_action")
    if action not in (None, ""):
        if not isinstance(action, str) or len(action.strip()) > 255 or "\x00" in action:
            errors["default_next_action"] = ["Text of at most 255 characters."]
        else:
            cleaned["default_next_action"] = " ".join(action.split())
    days = options.get("default_next_action_days")
    if days not in (None, ""):
        try:
            number = int(days)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 365:
            errors["default_next_action_days"] = ["A number of working days from 0 to 365."]
        else:
            cleaned["default_next_action_days"] = number
    zone = options.get("time_zone")
    if zone not in (None, ""):
        if not isinstance(zone, str) or zone not in TIME_ZONES:
            errors["time_zone"] = ["A time zone such as Europe/Zurich or UTC."]
        else:
            cleaned["time_zone"] = zone
    if cleaned.get("default_next_action") and "default_next_action_days" not in cleaned:
        cleaned["default_next_action_days"] = 2
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_mapping(
    kind: str, header: list[str], mapping: Mapping[str, Any]
) -> dict[str, str | None]:
    """A column-to-field mapping, checked against the file's header and the kind's fields
    (each field from one column at most; null ignores a column)."""
    fields = profiles.FIELDS[kind]
    errors: list[str] = []
    cleaned: dict[str, str | None] = dict.fromkeys(header)
    used: dict[str, str] = {}
    for column, name in mapping.items():
        if column not in cleaned:
            errors.append(f"The file has no column {column!r}.")
            continue
        if name in (None, ""):
            cleaned[column] = None
            continue
        if name not in fields:
            errors.append(f"{name!r} is not a field of {kind}; use one of {', '.join(fields)}.")
            continue
        if name in used:
            errors.append(f"Both {used[name]!r} and {column!r} are mapped to {name}.")
            continue
        used[name] = column
        cleaned[column] = name
    if errors:
        raise ValidationError({"mapping": errors})
    return cleaned


def _by_field_name(kind: str, mapping: dict[str, str | None]) -> dict[str, str | None]:
    """The automatic mapping, plus any column still unmapped that is named as one of the
    kind's fields or its label ("next_action_due", "Next action due")."""
    fields = profiles.FIELDS[kind]
    names = {profiles.normalize(n): n for n in fields} | {
        profiles.normalize(label): n for n, label in fields.items()
    }
    taken = {f for f in mapping.values() if f}
    for column, field in mapping.items():
        guess = names.get(profiles.normalize(column))
        if field is None and guess and guess not in taken:
            mapping[column] = guess
            taken.add(guess)
    return mapping


def clean_values(values: Mapping[str, Any] | None) -> dict[str, dict[str, str]]:
    if not values:
        return {}
    if not isinstance(values, Mapping) or not all(
        isinstance(v, Mapping)
        and all(isinstance(a, str) and isinstance(b, (str, int)) for a, b in v.items())
        for v in values.values()
    ):
        raise ValidationError(
            {"values": ["An object of fields, each {value in the file: Relay value}."]}
        )
    return {
        str(name): {a[:255]: str(b)[:255] for a, b in mapped.items()}
        for name, mapped in values.items()
    }


@transaction.atomic
def import_create(
    *,
    by: User,
    upload: File,
    kind: str,
    options: Mapping[str, Any] | None = None,
    start: bool = False,
) -> ImportJob:
    """Store an uploaded file and detect its layout and the source system's mapping
    (``options["mapping"]`` overrides it, column by column). ``start`` queues it at once
    (the API); the wizard sets it up first."""
    _require(by)
    if kind not in Kind.values:
        raise ValidationError({"kind": [f"Choose one of {', '.join(Kind.values)}."]})
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_BYTES // 2**20} MB."]})
    if upload.size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    raw = dict(options or {})
    cleaned = clean_options(raw)
    job = ImportJob(
        kind=kind,
        created_by=by,
        filename=Path(upload.name or "import.csv").name[:255],
        size=upload.size or 0,
        options=cleaned,
        dry_run=bool(raw.get("dry_run")),
    )
    job.file.save(job.filename, upload, save=False)
    with local_file(job) as path:
        layout = reading.detect_layout(path)
        total, job.column_values = reading.count_values(path, layout)
    job.total_rows = total or 0  # 0: more rows than counted at upload; the job counts them
    profile = profiles.detect(layout.header, kind)
    job.layout = dataclasses.asdict(layout)
    job.system = cleaned.get("system") or profile.system
    automatic = _by_field_name(kind, {**profile.mapping})
    job.mapping = clean_mapping(kind, layout.header, {**automatic, **(raw.get("mapping") or {})})
    job.values = clean_values(raw.get("values"))
    job.status = Status.QUEUED if start else Status.DRAFT
    job.save()
    if start:
        _queue(job)
    return job


@transaction.atomic
def import_configure(
    *,
    job: ImportJob,
    by: User,
    version: int | None = None,
    mapping: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    dry_run: bool | None = None,
) -> ImportJob:
    """Change a draft import's mapping, value mapping or options."""
    _require(by)
    locked = locked_row(ImportJob, job.pk, version=version)
    if locked.created_by_id != by.pk:
        raise PermissionDenied("Only who uploaded the file sets its import up.")
    if locked.status != Status.DRAFT:
        raise EditConflict("This import has started; upload the file again to change it.")
    fields = []
    if mapping is not None:
        locked.mapping = clean_mapping(locked.kind, locked.layout["header"], mapping)
        fields.append("mapping")
    if values is not None:
        locked.values = clean_values(values)
        fields.append("values")
    if options is not None:
        locked.options = clean_options(options)
        fields.append("options")
        if locked.options.get("system"):
            locked.system = locked.options["system"]
            fields.append("system")
    if dry_run is not None:
        locked.dry_run = dry_run
        fields.append("dry_run")
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version"])
    locked.refresh_from_db(fields=["version"])
    return locked


def _queue(job: ImportJob) -> None:
    from imports.tasks import run_import

    transaction.on_commit(lambda: run_import.delay(job.pk))


@transaction.atomic
def import_start(*, job: ImportJob, by: User, dry_run: bool = False) -> ImportJob:
    """Queue a draft import (``dry_run``: check every row, write nothing)."""
    _require(by)
    locked = locked_row(ImportJob, job.pk)
    if locked.created_by_id != by.pk:
        raise PermissionDenied("Only who uploaded the file starts its import.")
    if locked.status != Status.DRAFT:
        raise EditConflict("This import has started already.")
    locked.status = Status.QUEUED
    locked.dry_run = dry_run
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "dry_run", "version"])
    _queue(locked)
    return locked


@transaction.atomic
def import_again(*, job: ImportJob, by: User) -> ImportJob:
    """A new draft import of the same file with the same setup (after a dry run, or to
    correct and retry a failed one)."""
    _require(by)
    if job.created_by_id != by.pk:
        raise PermissionDenied("Only who uploaded the file imports it again.")
    copy = ImportJob.objects.create(
        kind=job.kind,
        created_by=by,
        file=job.file.name,
        filename=job.filename,
        size=job.size,
        layout=job.layout,
        column_values=job.column_values,
        total_rows=job.total_rows,
        system=job.system,
        mapping=job.mapping,
        values=job.values,
        options=job.options,
    )
    return copy


@transaction.atomic
def import_cancel(*, job: ImportJob, by: User) -> ImportJob:
    """Stop an import: a queued one at once, a running one at its next batch (its
    transaction is rolled back, so nothing stays)."""
    if not (job.created_by_id == by.pk or by.has_perm("crm.reassign_deal")):
        raise PermissionDenied("Only who started the import or a sales manager cancels it.")
    locked = locked_row(ImportJob, job.pk)
    if locked.status in (Status.DRAFT, Status.QUEUED):
        locked.status = Status.CANCELLED
        locked.message = "Cancelled before it started: nothing was imported."
    elif locked.status == Status.RUNNING:
        locked.cancel_requested = True
    else:
        raise EditConflict("This import has finished; there is nothing to cancel.")
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "message", "cancel_requested", "version"])
    locked.refresh_from_db(fields=["version"])
    return locked
