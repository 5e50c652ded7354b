"""Writing beneath the application, as the owner of the database can (issue 15's attacker).

The append-only triggers are switched off for the statement (PostgreSQL: replica mode, which
needs the superuser the tests run as; SQLite: the triggers are dropped and put back after).
"""

from __future__ import annotations

from django.db import connection

from tests.conftest import _SQLITE_LEDGER_TRIGGER_NAMES, _SQLITE_LEDGER_TRIGGERS


def beneath(sql: str, params=()) -> None:
    """Run one statement on the ledger's tables with their triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(sql, list(params))
            finally:
                cursor.execute("SET session_replication_role = origin")
            return
        for name in _SQLITE_LEDGER_TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        try:
            cursor.execute(sql, list(params))
        finally:
            for create in _SQLITE_LEDGER_TRIGGERS:
                cursor.execute(create)
