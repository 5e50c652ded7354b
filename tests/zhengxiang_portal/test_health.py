"""/healthz reports the database and the broker; 503 when one is down."""

from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_both(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_down(client):
    with mock.patch(
        "zhengxiang_portal.core.health.celery_app.connection_for_write",
        side_effect=ConnectionRefusedError,
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {
        "ok": False,
        "transport": mock.ANY,
        "error": "ConnectionRefusedError",
    }


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch(
        "zhengxiang_portal.core.health.connection.cursor", side_effect=OSError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
