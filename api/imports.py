"""/api/v1/imports: upload another CRM's export, then follow the import job."""

import datetime as dt
import json
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from api.auth import current_user
from api.errors import ONE, WRITE, answers
from api.fields import PathId
from imports import services
from imports.models import ImportJob, Kind

router = Router(tags=["imports"])

KindName = Literal["companies", "contacts", "deals", "activities"]
StatusName = Literal["draft", "queued", "running", "done", "failed", "cancelled"]


class ImportStarted(Schema):
    id: int
    status: StatusName


class ProblemOut(Schema):
    row: int
    column: str
    value: str
    message: str


class ImportOut(Schema):
    id: int
    kind: KindName
    status: StatusName
    system: str = Field(description="The source system its headers matched.")
    filename: str
    dry_run: bool
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    skipped: int
    failed: int
    message: str
    mapping: dict[str, str | None]
    errors: list[ProblemOut] = Field(description="The first 1,000 problems, row by row.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


ERRORS_SHOWN = 1000


def _out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "system": job.system,
        "filename": job.filename,
        "dry_run": job.dry_run,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "failed": job.failed,
        "message": job.message,
        "mapping": job.mapping,
        "errors": list(job.problems.values("row", "column", "value", "message")[:ERRORS_SHOWN]),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@router.post(
    "imports",
    response=answers({202: ImportStarted}, 400, 403, 413, 422),
    summary="Upload a file and start importing it",
)
def import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[KindName],
    options: Form[str] = "{}",
) -> Status:
    """``options`` is a JSON object: ``mapping`` {column: field or null}, ``date_order``,
    ``decimal``, ``values`` {field: {value in the file: Relay value}}, ``default_owner_id``,
    ``default_next_action``, ``default_next_action_days``, ``on_duplicate`` (update, skip
    or create), ``system`` (the exporting CRM, when detection should be overridden),
    ``time_zone`` (of the file's times; the importer's by default, UTC for Odoo) and
    ``dry_run``."""
    try:
        parsed = json.loads(options or "{}") if len(options) <= 100_000 else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValidationError({"options": ["A JSON object."]})
    job = services.import_create(
        by=current_user(request), upload=file, kind=Kind(kind), options=parsed, start=True
    )
    return Status(202, {"id": job.pk, "status": job.status})


@router.get("imports/{int:import_id}", response=answers({200: ImportOut}, *ONE))
def import_get(request: HttpRequest, import_id: PathId) -> dict[str, Any]:
    user = current_user(request)
    job = ImportJob.objects.filter(pk=import_id).first()
    if job is None or not services.can_see(user, job):
        raise Http404("No such import.")
    return _out(job)


@router.post(
    "imports/{int:import_id}/cancel", response=answers({200: ImportOut}, *ONE, *WRITE, 403, 409)
)
def import_cancel(request: HttpRequest, import_id: PathId) -> dict[str, Any]:
    user = current_user(request)
    job = ImportJob.objects.filter(pk=import_id).first()
    if job is None or not services.can_see(user, job):
        raise Http404("No such import.")
    return _out(services.import_cancel(job=job, by=user))
