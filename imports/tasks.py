"""The import job: a thin wrapper over ``imports.engine.run``.

Redelivered after a worker died (``acks_late``), it starts the import over: the lost run's
transaction was rolled back with its connection.
"""

from celery import shared_task

from imports import engine
from imports.models import ImportJob


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    return engine.run(job).status
