from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from imports import engine, services
from imports.models import ImportJob, Status


def upload(
    content: str | bytes, name: str = "export.csv", encoding: str = "utf-8"
) -> SimpleUploadedFile:
    data = content.encode(encoding) if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def run_file(
    by: User,
    kind: str,
    content: str | bytes,
    *,
    options: dict[str, Any] | None = None,
    name: str = "export.csv",
    encoding: str = "utf-8",
    dry_run: bool = False,
) -> ImportJob:
    """Upload ``content`` and run its import here (as the Celery job would)."""
    job = services.import_create(
        by=by, upload=upload(content, name, encoding), kind=kind, options=options or {}
    )
    job.status = Status.QUEUED
    job.dry_run = dry_run
    job.save(update_fields=["status", "dry_run"])
    engine.run(job)
    job.refresh_from_db()
    return job


def problems(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(job.problems.values_list("row", "column", "message"))
