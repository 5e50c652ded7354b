"""`manage.py verify_ledger`: exit 0 on an intact chain, 1 naming the first bad entry."""

from django.core.management.base import BaseCommand, CommandError

from zhengxiang_portal.ledger.services import ledger_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the ledger (台账) and audit trail."

    def handle(self, *args, **options):
        result = ledger_verify()
        if not result.ok:
            raise CommandError(
                f"ledger chain broken at entry #{result.first_bad_seq}: {result.reason} "
                f"({result.checked} entries verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"ledger intact: {result.checked} entries verified"))
