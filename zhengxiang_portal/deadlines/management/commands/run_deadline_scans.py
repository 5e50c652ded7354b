"""`manage.py run_deadline_scans`: run every deadline scan once and say what each did."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zhengxiang_portal.deadlines.scan import run_deadline_scans


class Command(BaseCommand):
    help = (
        "Run every deadline scan once (collaboration requests, obligations, objections, "
        "rectification orders) and print what each did. Safe to run twice: nothing is sent twice."
    )

    def handle(self, *args, **options):
        line = _("%(label)s：提醒 %(reminded)d 逾期 %(overdue)d 升级 %(escalated)d 办结 %(closed)d")
        for scan, result in run_deadline_scans():
            self.stdout.write(line % {"label": scan.label, **result.as_dict()})
