"""The worker's heartbeat comes from the worker itself now (core.heartbeats), not a beat task."""

from django.db import migrations


def drop_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="core.worker_heartbeat").delete()
    Heartbeat = apps.get_model("core", "Heartbeat")
    Heartbeat.objects.filter(name="worker").delete()  # now one row per worker: "worker:<host>"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_idempotent_request"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(drop_schedule, migrations.RunPython.noop)]
