"""Shared fixtures. In CI (CI=true) a test that would skip for want of a service fails instead."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from agencies.services import roles_sync

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip when `condition` is false — or fail, in CI, where every service must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test` runs -n 2 --dist loadgroup) the fault tests, which start,
    freeze and kill their own Redis, workers and beats and wait on timings, run one after
    another on a single worker."""
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.xdist_group("services"))


@pytest.fixture(autouse=True)
def _clean_cache():
    from agencies.authz import clear_process_cache

    cache.clear()
    clear_process_cache()  # each test's accounts are new: no snapshot of an earlier test's
    yield
    cache.clear()
    clear_process_cache()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's language: a request in English leaves the thread in it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def roles(db):
    """Role groups with their permissions, as `manage.py setup_portal` creates them."""
    roles_sync()


@pytest.fixture
def demo(db, request):
    """The whole demo data set, as `make run` loads it (seeded once, copied back: see
    tests/demo_snapshot.py)."""
    from tests.demo_snapshot import forget_derived_state, load_demo

    load_demo(transactional=_is_transactional(request))
    yield
    forget_derived_state()


def _is_transactional(request) -> bool:
    """Whether the test commits (a transactional test, a live server) instead of rolling back."""
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )


_SQLITE_LEDGER_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON ledger_ledgerentry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_ledgerentry is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON ledger_ledgerentry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_ledgerentry is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS ledger_digest_no_update BEFORE UPDATE ON "
    "ledger_ledgerdailydigest BEGIN SELECT RAISE(ABORT, 'ledger_ledgerdailydigest is "
    "append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS ledger_digest_no_delete BEFORE DELETE ON "
    "ledger_ledgerdailydigest BEGIN SELECT RAISE(ABORT, 'ledger_ledgerdailydigest is "
    "append-only'); END;",
]
_SQLITE_LEDGER_TRIGGER_NAMES = [
    "ledger_no_update",
    "ledger_no_delete",
    "ledger_digest_no_update",
    "ledger_digest_no_delete",
]


@pytest.fixture(autouse=True)
def _ledger_flushable(request):
    """Let transactional tests (e2e, live server) flush a ledger that logins now write to.

    Every login is an audit entry (issue 7). A transactional test ends with a flush — DELETE on
    SQLite — which the append-only trigger refuses; the triggers stay on during the test and are
    off only for the flush. PostgreSQL flushes with TRUNCATE, which the row trigger lets through.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = _is_transactional(request)
    from django.db import connection

    if not transactional:
        # A transactional test before this one dropped the triggers for its flush: put them
        # back (inside this test's transaction, so every test runs with them on).
        if marker is not None or "db" in request.fixturenames:
            request.getfixturevalue("db")
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    for sql in _SQLITE_LEDGER_TRIGGERS:
                        cursor.execute(sql)
        yield
        return

    request.getfixturevalue("transactional_db")  # so this teardown runs before the flush
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in _SQLITE_LEDGER_TRIGGERS:
                cursor.execute(sql)
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in _SQLITE_LEDGER_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


# --- emptying the database after a transactional test ------------------------------------------

# Tables whose trigger refuses DELETE (ledger migrations 0002, 0003), and tables from this size
# on: both emptied with TRUNCATE instead of DELETE.
_TRUNCATE_ONLY = {"ledger_ledgerentry", "ledger_ledgerdailydigest"}
_TRUNCATE_FROM_BYTES = 1024 * 1024


def _flush_postgresql(db_name: str) -> None:
    """What Django's flush leaves — every table empty, sequences where they were, then the
    post_migrate signal (content types, permissions) — in ~0.15 s instead of ~0.45 s a test.

    Django TRUNCATEs every table in one statement, which took ~0.35 s on PostgreSQL however
    little the tables held; here only the tables that hold rows are emptied: the small ones with
    DELETE (their foreign keys are deferred; sorted, as tests/demo_snapshot.py restores, records
    go before their submissions), the large and the append-only ones with TRUNCATE.
    """
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connections, transaction

    connection = connections[db_name]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with transaction.atomic(using=db_name), connection.cursor() as cursor:
        # (Table names from Django's introspection, nothing user-given.)
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, pg_relation_size(%s::regclass) "  # noqa: S608
                f"WHERE EXISTS (SELECT 1 FROM {quote(t)})"
                for t in tables
            ),
            [value for t in tables for value in (t, quote(t))],
        )
        holding = sorted(cursor.fetchall())
        truncate = [t for t, size in holding if t in _TRUNCATE_ONLY or size >= _TRUNCATE_FROM_BYTES]
        if truncate:
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in truncate)} CASCADE")
        for table, _size in holding:
            if table not in truncate:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
    emit_post_migrate_signal(verbosity=0, interactive=False, db=db_name)


def _fixture_teardown(self) -> None:
    """TransactionTestCase's teardown (pytest-django's transactional_db, live_server): the fast
    flush above on PostgreSQL, Django's own where it does not apply or fails."""
    from django.db import DatabaseError, connections

    names = self._databases_names(include_mirrors=False)
    if (
        self.available_apps is None
        and not self.serialized_rollback
        and all(connections[name].vendor == "postgresql" for name in names)
    ):
        try:
            for name in names:
                _flush_postgresql(name)
            return
        except DatabaseError:
            pass  # e.g. a trigger that refuses a DELETE in this order: Django's flush below
    _django_fixture_teardown(self)


def _install_fast_flush():
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = _fixture_teardown
    return original


_django_fixture_teardown = _install_fast_flush()
