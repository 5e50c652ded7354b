"""Records keep their submission, checked a statement at a time (issue 16 point 6).

The per-row foreign key of records to their submission ran one lookup per row of a COPY
(~0.8 s of the database's time for 200,000 rows). It is replaced by triggers that keep the same
guarantee — no record without its submission — with one check per statement:

- INSERT or UPDATE of records: the statement's rows' submissions must exist; they are locked
  FOR KEY SHARE (as a foreign key locks them), so none can be deleted before the transaction
  ends;
- DELETE of submissions: their records go with them, as the model's on_delete=CASCADE says
  (Django deletes them first anyway; this covers a delete made behind its back);
- a changed submission id: refused while records refer to the old one.

PostgreSQL checks each statement's rows as a set (transition tables); SQLite, which has only
row triggers, checks each row (it is the embedded default, not the path of large files).
A later migration that makes Django rebuild either table on SQLite (it copies a table to alter
it) drops that table's triggers there and must create them again: test_record_integrity fails
until it does.
"""

from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION sharing_catalog_record_submission_exists() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    locked bigint;
BEGIN
    SELECT count(DISTINCT submission_id) INTO wanted FROM new_rows;
    SELECT count(*) INTO locked FROM (
        SELECT 1 FROM sharing_catalog_submission s
        WHERE s.id IN (SELECT DISTINCT submission_id FROM new_rows)
        FOR KEY SHARE OF s
    ) AS found;
    IF locked <> wanted THEN
        RAISE EXCEPTION 'a record refers to a submission that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER record_submission_exists_on_insert
    AFTER INSERT ON sharing_catalog_record
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sharing_catalog_record_submission_exists();

CREATE TRIGGER record_submission_exists_on_update
    AFTER UPDATE ON sharing_catalog_record
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sharing_catalog_record_submission_exists();

CREATE FUNCTION sharing_catalog_submission_takes_records() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sharing_catalog_record r USING old_rows o WHERE r.submission_id = o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER submission_takes_records_on_delete
    AFTER DELETE ON sharing_catalog_submission
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sharing_catalog_submission_takes_records();

CREATE FUNCTION sharing_catalog_submission_keeps_its_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows o
        JOIN sharing_catalog_record r ON r.submission_id = o.id
        WHERE NOT EXISTS (SELECT 1 FROM sharing_catalog_submission s WHERE s.id = o.id)
    ) THEN
        RAISE EXCEPTION 'a submission that has records cannot change its id'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER submission_keeps_its_id_on_update
    AFTER UPDATE ON sharing_catalog_submission
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sharing_catalog_submission_keeps_its_id();
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER submission_keeps_its_id_on_update ON sharing_catalog_submission;
DROP FUNCTION sharing_catalog_submission_keeps_its_id();
DROP TRIGGER submission_takes_records_on_delete ON sharing_catalog_submission;
DROP FUNCTION sharing_catalog_submission_takes_records();
DROP TRIGGER record_submission_exists_on_update ON sharing_catalog_record;
DROP TRIGGER record_submission_exists_on_insert ON sharing_catalog_record;
DROP FUNCTION sharing_catalog_record_submission_exists();
"""

SQLITE = [
    """CREATE TRIGGER record_submission_exists_on_insert
    BEFORE INSERT ON sharing_catalog_record
    WHEN NOT EXISTS (SELECT 1 FROM sharing_catalog_submission WHERE id = NEW.submission_id)
    BEGIN SELECT RAISE(ABORT, 'a record refers to a submission that does not exist'); END""",
    """CREATE TRIGGER record_submission_exists_on_update
    BEFORE UPDATE OF submission_id ON sharing_catalog_record
    WHEN NOT EXISTS (SELECT 1 FROM sharing_catalog_submission WHERE id = NEW.submission_id)
    BEGIN SELECT RAISE(ABORT, 'a record refers to a submission that does not exist'); END""",
    """CREATE TRIGGER submission_takes_records_on_delete
    AFTER DELETE ON sharing_catalog_submission
    BEGIN DELETE FROM sharing_catalog_record WHERE submission_id = OLD.id; END""",
    """CREATE TRIGGER submission_keeps_its_id_on_update
    BEFORE UPDATE OF id ON sharing_catalog_submission
    WHEN NEW.id <> OLD.id
        AND EXISTS (SELECT 1 FROM sharing_catalog_record WHERE submission_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'a submission that has records cannot change its id'); END""",
]
SQLITE_NAMES = [
    ("record_submission_exists_on_insert", "sharing_catalog_record"),
    ("record_submission_exists_on_update", "sharing_catalog_record"),
    ("submission_takes_records_on_delete", "sharing_catalog_submission"),
    ("submission_keeps_its_id_on_update", "sharing_catalog_submission"),
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:  # the portal runs on PostgreSQL, or SQLite as its embedded default
        raise RuntimeError(f"no record-submission check written for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE)
    elif vendor == "sqlite":
        for name, _table in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("sharing_catalog", "0009_bulletin_frozen_figures"),
    ]

    operations = [
        migrations.AlterField(
            model_name="record",
            name="submission",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="records",
                to="sharing_catalog.submission",
                verbose_name="数据报送",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
