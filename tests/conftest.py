"""Shared fixtures. In CI (CI=true) a test that would skip for want of a service fails instead."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from agencies.services import roles_sync

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip when `condition` is false — or fail, in CI, where every service must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def roles(db):
    """Role groups with their permissions, as `manage.py setup_portal` creates them."""
    roles_sync()


@pytest.fixture
def demo(db):
    """The whole demo data set, as `make run` loads it."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


# --- the append-only ledger and transactional tests on SQLite ---------------------------------
# A transactional test (browser tests, live server) ends with a flush, which on SQLite is a
# DELETE that the ledger's append-only trigger refuses. The triggers stay on during every test;
# they are dropped only for the flush and put back before the next test or at the module's end.
# PostgreSQL flushes with TRUNCATE, which the row trigger does not refuse, so nothing happens there.
_LEDGER_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON ledger_ledgerentry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_ledgerentry is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON ledger_ledgerentry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_ledgerentry is append-only'); END;",
]
_ledger_triggers_dropped = False


def _restore_ledger_triggers(django_db_blocker) -> None:
    global _ledger_triggers_dropped
    if not _ledger_triggers_dropped:
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for sql in _LEDGER_TRIGGERS:
            cursor.execute(sql)
    _ledger_triggers_dropped = False


@pytest.fixture(scope="module", autouse=True)
def _ledger_triggers_after_module(django_db_blocker):
    yield
    _restore_ledger_triggers(django_db_blocker)


@pytest.fixture(autouse=True)
def _ledger_flushable(request, django_db_blocker):
    global _ledger_triggers_dropped
    _restore_ledger_triggers(django_db_blocker)
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    from django.db import connection

    if transactional and connection.vendor == "sqlite":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS ledger_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS ledger_no_delete")
        _ledger_triggers_dropped = True
