"""One notification mechanism: inbox once per key, e-mail once."""

import pytest
from django.core import mail

from tests.factories import UserFactory
from zhengxiang_portal.notifications.models import Notification
from zhengxiang_portal.notifications.services import notify
from zhengxiang_portal.notifications.tasks import sweep_pending_emails_task

pytestmark = pytest.mark.django_db


def test_same_key_twice_is_stored_and_mailed_once(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], key="obligation:1:reminder:1", kind="reminder", subject="提醒")
    with django_capture_on_commit_callbacks(execute=True):
        again = notify(
            recipients=[user], key="obligation:1:reminder:1", kind="reminder", subject="提醒"
        )
    assert again == []
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


def test_sweep_does_not_resend_what_was_sent(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], key="k", kind="reminder", subject="提醒")
    sweep_pending_emails_task()
    assert len(mail.outbox) == 1


def test_a_lost_email_task_is_picked_up_by_the_sweep(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):  # broker down: task never sent
        notify(recipients=[user], key="k2", kind="reminder", subject="提醒")
    assert mail.outbox == []
    sweep_pending_emails_task()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_state == Notification.EmailState.SENT


def test_inbox_shows_only_the_users_own_messages(client):
    me, other = UserFactory(), UserFactory()
    notify(recipients=[other], key="secret", kind="reminder", subject="别人的消息")
    notify(recipients=[me], key="mine", kind="reminder", subject="我的消息")
    client.force_login(me)
    body = client.get("/inbox/").content.decode()
    assert "我的消息" in body
    assert "别人的消息" not in body
