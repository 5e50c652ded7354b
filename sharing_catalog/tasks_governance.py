"""Periodic scans of grants, agreements and exemptions (thin, idempotent, beat-driven)."""

from celery import shared_task

from sharing_catalog.services.agreements import agreement_remind_overdue
from sharing_catalog.services.coordination import exemptions_apply
from sharing_catalog.services.grants import grant_expire_due
from sharing_catalog.services.objections import objection_deadline_scan


@shared_task(name="sharing_catalog.expire_access_grants")
def expire_access_grants_task() -> int:
    return grant_expire_due()


@shared_task(name="sharing_catalog.remind_agreement_migration")
def remind_agreement_migration_task() -> int:
    return agreement_remind_overdue()


@shared_task(name="sharing_catalog.apply_exemptions")
def apply_exemptions_task() -> int:
    return exemptions_apply()


@shared_task(name="sharing_catalog.objection_deadline_scan")
def objection_deadline_scan_task() -> dict:
    return objection_deadline_scan().as_dict()
