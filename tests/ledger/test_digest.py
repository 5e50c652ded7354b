"""Daily chain-head digests: published by beat, printable by the working group (Art. 22)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from tests.factories import PASSWORD, UnitFactory, UserFactory, WorkingGroupMemberFactory
from zhengxiang_portal.core.schedules import registered_schedules, schedules_sync
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerDailyDigest
from zhengxiang_portal.ledger.services import ledger_append, ledger_verify
from zhengxiang_portal.ledger.tasks import publish_daily_digest_task
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def test_beat_schedule_runs_the_registered_digest_task():
    from django_celery_beat.models import PeriodicTask

    from zhengxiang_portal.celery import app

    sched = {s.name: s for s in registered_schedules()}["ledger: publish daily digest"]
    schedules_sync()
    task = PeriodicTask.objects.get(name=sched.name)
    assert task.task == "ledger.publish_daily_digest"
    assert (task.crontab.minute, task.crontab.hour) == ("5", "0")
    assert "ledger.publish_daily_digest" in app.tasks


def test_digest_task_publishes_yesterdays_head_once_and_tells_the_working_group():
    member = WorkingGroupMemberFactory().user
    with time_machine.travel(dt.datetime(2026, 11, 26, 15, 0, tzinfo=TZ), tick=False):
        ledger_append(action=LedgerAction.UPLOAD, actor=member)
        last = ledger_append(action=LedgerAction.CONFIRM, actor=member)
    with time_machine.travel(dt.datetime(2026, 11, 27, 0, 5, tzinfo=TZ), tick=False):
        publish_daily_digest_task()
        ledger_append(action=LedgerAction.DOWNLOAD, actor=member)
        publish_daily_digest_task()  # beat fired twice
    digest = LedgerDailyDigest.objects.get()
    assert (digest.day, digest.last_seq, digest.head_hash) == (
        dt.date(2026, 11, 26),
        last.seq,
        last.entry_hash,
    )
    assert digest.entry_count == 2
    assert Notification.objects.filter(recipient=member, kind="ledger_digest").count() == 1
    assert ledger_verify().ok


def test_digest_print_page_is_for_the_working_group_only(client):
    member = WorkingGroupMemberFactory().user
    ledger_append(action=LedgerAction.UPLOAD, actor=member)
    day = timezone.localdate()
    from zhengxiang_portal.ledger.services import ledger_publish_daily_digest

    digest = ledger_publish_daily_digest(day=day)
    url = reverse("ledger:digest_print", args=[day.isoformat()])
    client.login(username=member.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    assert digest.head_hash in response.content.decode()
    assert b"ledger-print.css" in response.content
    liaison = UserFactory(unit=UnitFactory(), roles=[Role.LIAISON])
    client.login(username=liaison.username, password=PASSWORD)
    assert client.get(url).status_code == 403
