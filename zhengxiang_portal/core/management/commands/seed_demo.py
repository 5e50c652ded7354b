"""`manage.py seed_demo`: load the Zhengxiang demo data (idempotent; each app adds its part)."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the realistic Zhengxiang demo (units, liaisons, logins, and each app's data)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                summary = module.seed()
            self.stdout.write(f"{config.label}: {summary}")
