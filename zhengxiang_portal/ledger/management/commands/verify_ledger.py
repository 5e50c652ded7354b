"""`manage.py verify_ledger`: exit 0 on an intact chain, 1 naming what happened and where."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhengxiang_portal.ledger.heads import head_log_path, read_head_log
from zhengxiang_portal.ledger.services import ledger_verify


class Command(BaseCommand):
    help = (
        "Verify the keyed hash chain of the ledger (台账) and audit trail against the head log "
        "kept outside the database and the daily digests."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--head-log",
            help="the head log to compare with (default: LEDGER_HEAD_LOG), e.g. the shipped copy",
        )

    def handle(self, *args, **options):
        path = Path(options["head_log"]) if options["head_log"] else head_log_path()
        if options["head_log"] and not path.exists():
            raise CommandError(f"head log not found: {path}")
        result = ledger_verify(head_log=read_head_log(path))
        if not result.ok:
            raise CommandError(
                f"ledger chain broken at entry #{result.first_bad_seq}: {result.reason} "
                f"({result.checked} entries verified before it)"
            )
        where = f", compared with {path}" if path and path.exists() else ", no head log"
        self.stdout.write(
            self.style.SUCCESS(f"ledger intact: {result.checked} entries verified{where}")
        )
