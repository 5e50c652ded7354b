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


# --- the inbox (issue 14, point 6) -------------------------------------------------------------


def _unread_badge(client, path="/") -> str:
    body = client.get(path).content.decode()
    start = body.index('class="topbar__inbox"')
    return body[start : body.index("</a>", start)]


def test_the_top_bar_shows_the_unread_count_on_every_page(client):
    me = UserFactory()
    notify(recipients=[me], key="a", kind="reminder", subject="一")
    notify(recipients=[me], key="b", kind="reminder", subject="二")
    notify(recipients=[UserFactory()], key="c", kind="reminder", subject="别人的")
    client.force_login(me)
    for path in ("/", "/inbox/"):
        badge = _unread_badge(client, path)
        assert 'data-unread-count="2"' in badge
        assert ">2</span>" in badge


def test_opening_a_message_marks_it_read_and_goes_to_its_object(client):
    me = UserFactory()
    [first] = notify(recipients=[me], key="a", kind="reminder", subject="一", url="/requests/")
    notify(recipients=[me], key="b", kind="reminder", subject="二")
    client.force_login(me)
    response = client.get(f"/inbox/{first.pk}/")
    assert response.status_code == 302 and response.url == "/requests/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'data-unread-count="1"' in _unread_badge(client)


def test_a_message_without_link_opens_back_to_the_inbox_read(client):
    me = UserFactory()
    [message] = notify(recipients=[me], key="a", kind="reminder", subject="一")
    client.force_login(me)
    response = client.get(f"/inbox/{message.pk}/")
    assert response.url == "/inbox/"
    assert 'data-unread-count="0"' in _unread_badge(client)


def test_another_users_message_cannot_be_opened(client):
    me, other = UserFactory(), UserFactory()
    [theirs] = notify(recipients=[other], key="a", kind="reminder", subject="别人的", url="/")
    client.force_login(me)
    assert client.get(f"/inbox/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_offsite_link_is_not_followed(client):
    me = UserFactory()
    [message] = notify(
        recipients=[me], key="a", kind="reminder", subject="一", url="https://evil.example/"
    )
    client.force_login(me)
    assert client.get(f"/inbox/{message.pk}/").url == "/inbox/"


def test_the_inbox_links_each_message_through_its_open_view(client):
    me = UserFactory()
    [message] = notify(recipients=[me], key="a", kind="reminder", subject="一", url="/requests/")
    client.force_login(me)
    assert f'href="/inbox/{message.pk}/"' in client.get("/inbox/").content.decode()


def test_the_email_link_uses_the_portal_address_and_opens_the_message(
    settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8765"
    me = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [message] = notify(
            recipients=[me], key="a", kind="reminder", subject="一", url="/requests/"
        )
    assert f"http://127.0.0.1:8765/inbox/{message.pk}/" in mail.outbox[0].body


def test_run_portal_derives_the_base_url_from_the_port_unless_it_is_set():
    from agencies.management.commands.run_portal import base_url_for

    assert base_url_for(8123, {}) == "http://127.0.0.1:8123"
    assert base_url_for(8123, {"PORTAL_BASE_URL": "https://portal.example.gov.cn"}) == (
        "https://portal.example.gov.cn"
    )


def test_nobody_to_tell_is_logged_and_nothing_is_stored(caplog, roles):
    from agencies.selectors import notice_recipients
    from tests.factories import UnitFactory
    from zhengxiang_portal.notifications.services import notice_send

    to = notice_send(
        to=notice_recipients(unit=UnitFactory()), key="x", kind="reminder", subject="提醒"
    )
    assert to.nobody
    assert not Notification.objects.exists()
    assert "reached nobody" in caplog.text
