"""Under concurrency (PostgreSQL): numbers stay unique, two scanning workers notify once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections

from collaboration.models import CollaborationRequest
from collaboration.services import allocate_number, request_deadline_scan
from tests.conftest import require
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
TZ = dt.timezone(dt.timedelta(hours=8))


def _in_threads(target, n: int) -> list:
    results: list = []
    errors: list = []
    barrier = threading.Barrier(n)

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected and re-raised in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_numbers_allocated_concurrently_are_unique():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    from django.db import transaction

    def allocate_five():
        out = []
        for _ in range(5):
            with transaction.atomic():
                out.append(allocate_number(year=2026))
        return out

    numbers = [n for batch in _in_threads(allocate_five, 4) for n in batch]
    assert len(numbers) == 20 and len(set(numbers)) == 20
    assert max(numbers) == "XZ-2026-000020"


def test_two_workers_scanning_at_once_notify_each_event_once(world):
    require(connection.vendor == "postgresql", "SKIP LOCKED needs PostgreSQL")
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=TZ), tick=False):
        for _ in range(30):
            CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=TZ), tick=False):
        results = _in_threads(request_deadline_scan, 3)
    assert sum(r.overdue for r in results) == 30
    assert sum(r.escalated for r in results) == 30
    keys = list(Notification.objects.filter(kind="collaboration_escalate").values_list("key"))
    assert len(keys) == len(set(keys)) == 30  # one WG member, one escalation per request
    assert CollaborationRequest.objects.filter(escalated_at__isnull=True).count() == 0
