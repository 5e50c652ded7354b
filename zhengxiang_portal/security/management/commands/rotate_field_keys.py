"""Re-encrypt every registered encrypted value with the current key (first of the list).

Rotation: 1) prepend a new key (`--generate` prints one) and keep the old ones after it;
2) deploy; 3) run this command (idempotent, resumable, batches of --batch rows);
4) when it reports 0 remaining, remove the old key from FIELD_ENCRYPTION_KEYS.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from zhengxiang_portal.security.crypto import (
    encrypted_columns,
    generate_key,
    is_encrypted,
    needs_rotation,
    rotate_token,
    rotations,
)


class Command(BaseCommand):
    help = "Re-encrypt sensitive fields with the current FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="print a new random key")
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, generate=False, batch=1000, dry_run=False, **options):
        if generate:
            self.stdout.write(generate_key())
            return
        total = 0
        for column in encrypted_columns():
            model = apps.get_model(column.model)
            done = self._rotate_column(model, column.field, column.context, batch, dry_run)
            self.stdout.write(f"{column.model}.{column.field}: {done} re-encrypted")
            total += done
        for name, walk in rotations().items():
            if dry_run:
                continue
            done = walk(lambda token, context="": rotate_token(token, context=context))
            self.stdout.write(f"{name}: {done} re-encrypted")
            total += done
        self.stdout.write(self.style.SUCCESS(f"rotated {total} values"))

    @staticmethod
    def _rotate_column(model, field: str, context: str, batch: int, dry_run: bool) -> int:
        done = 0
        last_pk = None
        while True:
            qs = model._default_manager.order_by("pk").only("pk", field)
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            rows = list(qs[:batch])
            if not rows:
                return done
            last_pk = rows[-1].pk
            stale = [
                r
                for r in rows
                if is_encrypted(getattr(r, field)) and needs_rotation(getattr(r, field))
            ]
            if dry_run:
                done += len(stale)
                continue
            with transaction.atomic():
                for row in stale:
                    new = rotate_token(getattr(row, field), context=context)
                    model._default_manager.filter(pk=row.pk).update(**{field: new})
                    done += 1
