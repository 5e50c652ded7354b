"""A hung Redis (frozen with SIGSTOP: it accepts connections, never answers) fails nothing.

Requests whose data committed answer success within seconds, uploads keep their file, and the
work is done once Redis answers again (issue 17, "What was seen" 1).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from sharing_catalog.models import Submission
from sharing_catalog.services.ingest.upload import _media_path
from tests.reliability.conftest import wait_for
from tests.reliability.test_ingestion_faults import _every_second, _validated_once
from tests.sharing_catalog.submission_builders import World, csv_file, good_row

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ANSWER_WITHIN_SECONDS = 5  # well under gunicorn's 30 s worker timeout


def _timed_in_thread(call: Any, ceiling: float) -> tuple[Any, float]:
    """Run `call` in a thread (its own database connection); fail if it is still waiting."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["value"] = call()
        except BaseException as exc:  # reported below, with the time it took
            outcome["error"] = exc
        finally:
            outcome["seconds"] = time.monotonic() - started
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(ceiling)
    assert not thread.is_alive(), f"still waiting for the hung broker after {ceiling:.0f} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], outcome["seconds"]


def test_an_upload_while_redis_is_hung_answers_at_once_keeps_its_file_and_is_processed_later(
    processes, redis_server
):
    world = World()
    client = APIClient()
    client.force_authenticate(world.liaison)
    redis_server.freeze()

    response, seconds = _timed_in_thread(
        lambda: client.post(
            "/api/submissions/",
            {"obligation": world.obligation.pk, "file": csv_file([good_row(n) for n in (1, 2)])},
            format="multipart",
            headers={"Idempotency-Key": "hung-1"},
        ),
        ceiling=60,
    )

    print(f"RECOVERY hung-redis upload answered in {seconds:.1f} s")
    assert response.status_code == 201, response.content
    assert seconds < ANSWER_WITHIN_SECONDS
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.status == Submission.Status.RECEIVED
    assert _media_path(submission.file.name).is_file()

    redis_server.thaw()
    _every_second("sharing_catalog.sweep_submissions")
    processes.worker(), processes.beat()
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).status == Submission.Status.VALIDATED,
        "the upload to be processed once Redis answers again",
        processes.logs,
    )
    _validated_once(submission, 2)


def test_healthz_answers_503_as_json_within_5_s_while_redis_is_hung(processes, redis_server):
    redis_server.freeze()

    response, seconds = _timed_in_thread(lambda: Client().get("/healthz"), ceiling=60)

    print(f"RECOVERY hung-redis /healthz answered in {seconds:.1f} s")
    assert seconds < ANSWER_WITHIN_SECONDS
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True
