"""Faults a user may meet: a lost database connection, a broker that is down."""

from unittest import mock

import pytest
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerError

from agencies.demo import DEMO_PASSWORD
from tests.factories import UserFactory
from zhengxiang_portal.notifications.models import Notification
from zhengxiang_portal.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_a_dropped_database_connection_shows_a_clear_page_not_a_trace(client, demo):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    with mock.patch("agencies.views.unit_list", side_effect=OperationalError("server closed")):
        response = client.get("/units/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "数据库暂时无法连接" in body
    assert "没有保存任何不完整的数据" in body
    assert "Traceback" not in body and "server closed" not in body


def test_a_dropped_database_connection_in_the_api_gets_the_error_shape(client, demo):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    with mock.patch("agencies.api.views.unit_list", side_effect=OperationalError("gone")):
        response = client.get("/api/units/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_work_created_while_the_broker_is_down_is_kept_and_sent_later(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory()
    with (
        mock.patch("celery.app.task.Task.apply_async", side_effect=BrokerError("redis down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = notify(recipients=[user], key="k", kind="reminder", subject="报送提醒")
    assert len(created) == 1  # the request succeeded although the task could not be sent
    assert Notification.objects.get().email_state == Notification.EmailState.PENDING
    from zhengxiang_portal.notifications.tasks import sweep_pending_emails_task

    sweep_pending_emails_task()  # broker back: the periodic sweep sends it, once
    sweep_pending_emails_task()
    assert len(mailoutbox) == 1


def _session_load_fails():
    return mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=OperationalError("connection to server lost"),
    )


@pytest.mark.parametrize("path", ["/", "/units/", "/catalog/", "/requests/"])
def test_a_database_lost_while_the_session_loads_shows_the_503_page(client, demo, path):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    client.raise_request_exception = False
    with _session_load_fails():
        response = client.get(path)
    assert response.status_code == 503
    body = response.content.decode()
    assert "数据库暂时无法连接" in body
    assert "connection to server lost" not in body and "Traceback" not in body


def test_a_database_lost_while_the_session_loads_gives_the_api_error_shape(client, demo):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    client.raise_request_exception = False
    with _session_load_fails():
        response = client.get("/api/units/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_a_program_error_is_still_a_500(client, demo):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    client.raise_request_exception = False
    with mock.patch("agencies.views.unit_list", side_effect=ValueError("bug")):
        response = client.get("/units/")
    assert response.status_code == 500
