"""Database triggers that refuse UPDATE and DELETE on the ledger, beneath the application.

TRUNCATE is a table-level privilege: production revokes it (with UPDATE and DELETE) from the
portal's database role (README, "Ledger"); a truncated or rewritten table shows against the
published daily digests.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_ledgerentry is append-only (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_append_only
    BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS ledger_append_only ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_ledgerentry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_ledgerentry is append-only'); END;",
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_ledgerentry "
    "BEGIN SELECT RAISE(ABORT, 'ledger_ledgerentry is append-only'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_no_update;",
    "DROP TRIGGER IF EXISTS ledger_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
