"""Celery tasks of the submission pipeline (thin: take an id, call one service)."""

from celery import shared_task

from sharing_catalog.services.ingest.pipeline import submission_ingest, submission_ingest_sweep
from sharing_catalog.services.ingest.upload import INGEST_TASK


@shared_task(
    name=INGEST_TASK,
    acks_late=True,  # safe: the service is idempotent and stores all or nothing
    reject_on_worker_lost=True,  # a worker killed mid-file gets the message redelivered
    max_retries=3,
)
def ingest_submission_task(submission_id: int) -> str:
    return submission_ingest(submission_id=submission_id).status


@shared_task(name="sharing_catalog.sweep_submissions", ignore_result=True)
def sweep_submissions_task() -> int:
    """Re-send ingestion that a broker outage or a dead worker left behind."""
    return len(submission_ingest_sweep())
