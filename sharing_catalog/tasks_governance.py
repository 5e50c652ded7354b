"""Periodic scans of grants, agreements and exemptions (thin, idempotent, beat-driven)."""

from celery import shared_task


@shared_task(name="sharing_catalog.expire_access_grants")
def expire_access_grants_task() -> int:
    from sharing_catalog.services.grants import grant_expire_due

    return grant_expire_due()


@shared_task(name="sharing_catalog.remind_agreement_migration")
def remind_agreement_migration_task() -> int:
    from sharing_catalog.services.agreements import agreement_remind_overdue

    return agreement_remind_overdue()


@shared_task(name="sharing_catalog.apply_exemptions")
def apply_exemptions_task() -> int:
    from sharing_catalog.services.coordination import exemptions_apply

    return exemptions_apply()


@shared_task(name="sharing_catalog.objection_deadline_scan")
def objection_deadline_scan_task() -> dict:
    from sharing_catalog.services.objections import objection_deadline_scan

    return objection_deadline_scan().as_dict()
