"""A request id that follows a request into the logs and into the Celery tasks it starts."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # accept a proxy's id only if it is sane
HEADER = "request_id"


class RequestIdMiddleware:
    """Take X-Request-ID from the proxy (if well-formed) or make one; echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


@before_task_publish.connect
def _attach_request_id(headers=None, **kwargs):
    if headers is not None and HEADER not in headers:
        headers[HEADER] = request_id_var.get()


@task_prerun.connect
def _adopt_request_id(task=None, **kwargs):
    if task is None:
        return
    rid = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER)
    task.request._portal_rid_token = request_id_var.set(rid or uuid.uuid4().hex)


@task_postrun.connect
def _drop_request_id(task=None, **kwargs):
    token = getattr(task.request, "_portal_rid_token", None) if task is not None else None
    if token is not None:
        request_id_var.reset(token)
