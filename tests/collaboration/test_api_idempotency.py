"""Create-style API calls are safe to retry with an Idempotency-Key (issue 17, Build 1)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from collaboration.models import CollaborationRequest
from zhengxiang_portal.core.idempotency import idempotency_keys_purge
from zhengxiang_portal.core.models import IdempotentRequest

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(world, subject: str = "核实登记信息") -> dict:
    return {
        "target_unit": world.market.code,
        "matter_type": "tax-info-query",
        "subject": subject,
        "body": "请提供相关登记信息。",
    }


def _post(client, body, key: str | None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post("/api/requests/", body, format="json", headers=headers)


def test_a_create_repeated_with_the_same_key_returns_the_first_answer_and_creates_nothing(world):
    client = _client(world.staff)
    first = _post(client, _body(world), "a3f1c2")

    again = _post(client, _body(world), "a3f1c2")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CollaborationRequest.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused_with_a_clear_message(world):
    client = _client(world.staff)
    _post(client, _body(world), "k-1")

    other = _post(client, _body(world, subject="另一件事"), "k-1")

    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "新的键" in other.json()["error"]["message"]
    assert CollaborationRequest.objects.count() == 1


def test_a_key_is_remembered_per_user(world):
    _post(_client(world.staff), _body(world), "shared-key")
    second = _post(_client(world.staff2), _body(world), "shared-key")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert CollaborationRequest.objects.count() == 2


def test_without_a_key_every_post_creates(world):
    client = _client(world.staff)
    _post(client, _body(world), None)
    _post(client, _body(world), None)
    assert CollaborationRequest.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


def test_a_refused_create_is_not_remembered_so_it_may_be_retried(world):
    refused = _post(_client(world.outsider), _body(world), "k-2")
    assert refused.status_code == 403
    assert not IdempotentRequest.objects.exists()


def test_a_key_is_forgotten_after_a_day(world, settings):
    client = _client(world.staff)
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _post(client, _body(world), "daily")
    with time_machine.travel(
        start + dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
    ):
        later = _post(client, _body(world), "daily")
        assert later.status_code == 201 and "Idempotent-Replayed" not in later
        assert CollaborationRequest.objects.count() == 2
    with time_machine.travel(start + dt.timedelta(days=3)):
        assert idempotency_keys_purge() == 1  # the renewed key of the second call is purged too


@pytest.mark.parametrize("key", ["", "x" * 256, "密钥"])
def test_a_malformed_key_is_refused_with_a_clear_message(world, key):
    response = _post(_client(world.staff), _body(world), key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not CollaborationRequest.objects.exists()


def test_a_body_with_an_integer_beyond_64_bits_gets_an_answer_not_a_server_error(world):
    """Found by schemathesis (issue 15): orjson refused 10**30 while fingerprinting the body."""
    body = {**_body(world), "target_unit": 10**30}
    response = _post(_client(world.staff), body, "big-int")
    assert response.status_code == 400
