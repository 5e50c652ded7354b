"""`manage.py setup_portal`: idempotent post-migrate setup (roles, periodic schedules).

In agencies, not core: the roles are agencies' (core imports no app).
"""

from django.core.management.base import BaseCommand

from agencies.services import roles_sync
from zhengxiang_portal.core.schedules import schedules_sync


class Command(BaseCommand):
    help = "Create the role groups with their permissions and the periodic task schedules."

    def handle(self, *args, **options):
        roles = roles_sync()
        created = schedules_sync()
        self.stdout.write(f"roles: {len(roles)} synced; schedules created: {len(created)}")
