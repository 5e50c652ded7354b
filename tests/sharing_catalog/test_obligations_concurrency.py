"""Two scans at once (two beats, or a retry racing the original) still notify once (PostgreSQL)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from sharing_catalog.models import Obligation
from sharing_catalog.services.obligations import obligations_scan
from tests.conftest import require
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    WorkingGroupMemberFactory,
    make_liaison,
)
from tests.sharing_catalog.catalog_helpers import at
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_scans_send_each_reminder_once(roles):
    require(connection.vendor == "postgresql", "row locks need PostgreSQL (DATABASE_URL)")
    wg = WorkingGroupMemberFactory().user
    providers = [UnitFactory() for _ in range(5)]
    liaisons = [make_liaison(p) for p in providers]
    with time_machine.travel(at(2026, 11, 10), tick=False):
        for n, provider in enumerate(providers):
            CatalogItemViaServicesFactory(actor=wg, provider=provider, code=f"C{n}")
    start = threading.Barrier(4)
    results, errors = [], []

    def scan():
        try:
            start.wait()
            results.append(obligations_scan().reminded)
        except Exception as exc:  # reported below, in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    with time_machine.travel(at(2026, 12, 2), tick=False):  # process-wide: every thread sees it
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sum(results) == 5
    assert Notification.objects.filter(kind="reminder").count() == len(liaisons)
    assert not Obligation.objects.filter(reminded_at__isnull=True, status="open").exists()
