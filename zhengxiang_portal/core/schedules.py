"""Periodic tasks each app declares; `manage.py setup_portal` writes them to django-celery-beat.

The database holds the schedules (the working group edits times in the admin); this registry only
creates a schedule that does not exist yet and never overwrites an admin's change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"


_schedules: dict[str, Schedule] = {}


def register_schedule(schedule: Schedule) -> None:
    _schedules[schedule.name] = schedule


def registered_schedules() -> list[Schedule]:
    return sorted(_schedules.values(), key=lambda s: s.name)


def schedules_sync() -> list[str]:
    """Create the PeriodicTask rows that are missing; return the names created."""

    created = []
    for sched in registered_schedules():
        if PeriodicTask.objects.filter(name=sched.name).exists():
            continue
        kwargs: dict = {"name": sched.name, "task": sched.task, "description": sched.description}
        if sched.every_seconds:
            kwargs["interval"], _c = IntervalSchedule.objects.get_or_create(
                every=sched.every_seconds, period=IntervalSchedule.SECONDS
            )
        else:
            minute, hour, dom, month, dow = (sched.crontab or "0 * * * *").split()
            kwargs["crontab"], _c = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_month=dom,
                month_of_year=month,
                day_of_week=dow,
                timezone=settings.TIME_ZONE,
            )
        PeriodicTask.objects.create(**kwargs)
        created.append(sched.name)
    return created


register_schedule(
    Schedule(
        name="notifications: sweep pending e-mails",
        task="notifications.sweep_pending_emails",
        description="重发因队列中断未发出的邮件通知",
        every_seconds=300,
    )
)
register_schedule(
    Schedule(
        name="ledger: publish daily digest",
        task="ledger.publish_daily_digest",
        description="每日公布台账链头摘要",
        crontab="5 0 * * *",
    )
)
register_schedule(
    Schedule(
        name="core: purge idempotency keys",
        task="core.purge_idempotency_keys",
        description="清理超过保留期的 API 幂等键",
        crontab="30 3 * * *",
    )
)
