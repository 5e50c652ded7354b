"""Nothing lost, nothing sent twice: broker outages, two beats, killed workers (real processes)."""

from __future__ import annotations

import time
from collections import Counter
from unittest import mock

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from kombu.exceptions import OperationalError as BrokerError

from tests.factories import UserFactory
from tests.reliability.conftest import sent_subjects, wait_for
from zhengxiang_portal.core.schedules import schedules_sync
from zhengxiang_portal.notifications.models import Notification
from zhengxiang_portal.notifications.services import notify

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _sweep_every_second() -> None:
    schedules_sync()
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(task="notifications.sweep_pending_emails").update(
        interval=every_second
    )


def _all_sent() -> bool:
    return not Notification.objects.exclude(email_state=Notification.EmailState.SENT).exists()


def test_two_beats_and_two_workers_send_each_pending_email_exactly_once(processes):
    users = [UserFactory() for _ in range(30)]
    with mock.patch("celery.app.task.Task.apply_async", side_effect=BrokerError("down")):
        for i, user in enumerate(users):
            notify(recipients=[user], key=f"reminder:{i}", kind="reminder", subject=f"提醒{i:02d}")
    assert Notification.objects.filter(email_state="pending").count() == 30
    _sweep_every_second()

    processes.worker("a"), processes.worker("b"), processes.beat(), processes.beat()
    wait_for(_all_sent, "every pending e-mail to be sent", processes.logs)
    time.sleep(3)  # more sweeps from both beats run; none may send again

    subjects = Counter(sent_subjects(processes.mail_dir))
    assert len(subjects) == 30, processes.logs()
    assert set(subjects.values()) == {1}
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {1}


def test_work_created_while_redis_is_down_is_delivered_once_after_it_returns(
    processes, redis_server
):
    redis_server.stop()
    users = [UserFactory() for _ in range(5)]
    started = time.monotonic()
    for i, user in enumerate(users):
        notify(recipients=[user], key=f"overdue:{i}", kind="overdue", subject=f"逾期通知{i}")
    assert time.monotonic() - started < 15  # publishing gave up quickly; the requests succeeded
    assert Notification.objects.filter(email_state="pending").count() == 5

    redis_server.start()
    _sweep_every_second()
    processes.worker(), processes.beat()
    wait_for(_all_sent, "the e-mails held back by the outage", processes.logs)
    time.sleep(2)
    subjects = Counter(sent_subjects(processes.mail_dir))
    assert subjects == Counter({f"[蒸湘区税费精诚共治平台] 逾期通知{i}": 1 for i in range(5)})


def test_two_beats_running_every_deadline_scan_notify_each_event_once(processes):
    """Beat started twice by mistake: obligation and request scans race; nobody hears twice."""
    from django.core.management import call_command

    from collaboration.models import CollaborationRequest
    from sharing_catalog.models import Obligation

    call_command("seed_demo", verbosity=0)
    # Forget what the demo's own scans sent, so the racing scans below find due work.
    Notification.objects.all().delete()
    Obligation.objects.update(reminded_at=None, overdue_at=None, escalated_at=None)
    Obligation.objects.filter(status=Obligation.Status.OVERDUE).update(
        status=Obligation.Status.OPEN
    )
    CollaborationRequest.objects.update(
        reminded_at=None, overdue_notified_at=None, escalated_at=None
    )
    scans = [
        "sharing_catalog.scan_obligations",
        "collaboration.deadline_scan",
        "notifications.sweep_pending_emails",
    ]
    schedules_sync()
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(task__in=scans).update(interval=every_second, crontab=None)
    PeriodicTask.objects.exclude(task__in=scans).update(enabled=False)

    processes.worker("a"), processes.worker("b"), processes.beat(), processes.beat()
    wait_for(
        lambda: Notification.objects.exists() and _all_sent(),
        "the scans to notify and the e-mails to go out",
        processes.logs,
    )
    time.sleep(4)  # both beats fire every scan again several times; nothing new may be sent
    assert _all_sent()
    keys = set(Notification.objects.values_list("key", flat=True))
    assert any(k.startswith("obligation:") for k in keys), keys
    assert any(k.startswith("request:") for k in keys), keys
    mailed = Notification.objects.exclude(email_state=Notification.EmailState.SKIPPED)
    subjects = sent_subjects(processes.mail_dir)
    assert len(subjects) == mailed.count()
    assert set(mailed.values_list("email_attempts", flat=True)) == {1}
