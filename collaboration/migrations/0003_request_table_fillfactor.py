"""Leave room in each page of the request table so that state stamps are HOT updates.

The deadline scan stamps reminded_at / overdue_notified_at / escalated_at on many rows at once;
none of those columns is indexed, so with free space in the page PostgreSQL updates the row in
place without touching the table's indexes (heap-only tuple). PostgreSQL only.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE collaboration_collaborationrequest SET (fillfactor = 80)"
        )


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE collaboration_collaborationrequest RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("collaboration", "0002_seed_matter_types")]
    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
