"""A request id follows each request into the response, the logs and the tasks it starts."""

import json
import logging

import pytest

from zhengxiang_portal.core.logging import JsonFormatter
from zhengxiang_portal.core.request_context import (
    RequestIdFilter,
    _adopt_request_id,
    _attach_request_id,
    _drop_request_id,
    request_id_var,
)

pytestmark = pytest.mark.django_db


def test_response_carries_a_new_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_a_well_formed_proxy_id_is_kept_and_a_hostile_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123-def-456"})
    assert kept["X-Request-ID"] == "abc-123-def-456"
    replaced = client.get("/healthz", headers={"X-Request-ID": "x\nInjected: header"})
    assert replaced["X-Request-ID"] != "x\nInjected: header"
    assert len(replaced["X-Request-ID"]) == 32


def test_json_log_lines_carry_the_request_id():
    token = request_id_var.set("req-0001-test")
    try:
        record = logging.LogRecord("portal", logging.INFO, __file__, 1, "上传完成", None, None)
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-0001-test"
    assert line["msg"] == "上传完成"
    assert line["level"] == "INFO"


def test_a_task_published_during_a_request_runs_under_the_same_id():
    published: dict = {}
    token = request_id_var.set("req-0002-test")
    try:
        _attach_request_id(headers=published)
    finally:
        request_id_var.reset(token)
    assert published["request_id"] == "req-0002-test"

    class FakeRequest:
        request_id = published["request_id"]
        headers = None

    class FakeTask:
        request = FakeRequest()

    task = FakeTask()
    _adopt_request_id(task=task)
    assert request_id_var.get() == "req-0002-test"
    # After the task, the worker's thread is back to no request: the next task starts clean.
    _drop_request_id(task=task)
    assert request_id_var.get() == "-"
