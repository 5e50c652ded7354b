"""Create-style API calls that are safe to retry: the `Idempotency-Key` request header.

A client whose POST timed out cannot know whether it was created. Sent with a key of its
choosing, the same call made again within IDEMPOTENCY_KEY_TTL_SECONDS returns the first answer
(status and body, header `Idempotent-Replayed: true`) and creates nothing. The same key with a
different body is refused (422), so a client bug cannot silently get someone else's answer.

The key's row, the create and the stored answer are one transaction: a concurrent second call
with the same key waits on the key's unique index until the first commits, then replays it; a
call that failed leaves no key behind and may be retried as it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .api import error_response
from .errors import ApiErrorCode
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255

HEADER_PARAMETER = OpenApiParameter(
    HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "任意唯一字符串（如 UUID）。同一用户 24 小时内用同一键重发同一请求，"
        "返回第一次的结果，不重复创建。"
    ),
)


def _canonical(value: Any, digest: Any) -> Any:
    if isinstance(value, UploadedFile):
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return ["file", value.name, value.size]
    if isinstance(value, dict):
        return {str(k): _canonical(v, digest) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v, digest) for v in value]
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return f"int:{value}"  # orjson writes 64-bit integers only; 10**30 is still an answer
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def request_fingerprint(request: Any) -> str:
    """SHA-256 of the method, path and parsed body (uploaded files by content)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form or multipart): every value of every field
        data = {k: v for k, v in data.lists()}
    body = _canonical(data, digest)
    digest.update(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()


def _replay(earlier: IdempotentRequest) -> Response:
    response = Response(earlier.body, status=earlier.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent_response(request: Any, create: Callable[[], Response]) -> Response:
    """Run `create` once per (user, Idempotency-Key); replay its answer for a repeat."""
    key = request.headers.get(HEADER)
    if key is None:
        return create()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
        return error_response(
            ApiErrorCode.INVALID_IDEMPOTENCY_KEY,
            _("Idempotency-Key 必须是 1 至 255 个可打印的 ASCII 字符。"),
        )
    fingerprint = request_fingerprint(request)
    fresh_after = timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = IdempotentRequest.objects.create(
                    user=request.user, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            entry = IdempotentRequest.objects.select_for_update().get(user=request.user, key=key)
            if entry.created_at >= fresh_after:
                if entry.fingerprint != fingerprint:
                    return error_response(
                        ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
                        _("该 Idempotency-Key 已用于另一份内容不同的请求；新的请求请使用新的键。"),
                        http_status=422,
                    )
                return _replay(entry)
            entry.fingerprint, entry.created_at = fingerprint, timezone.now()  # expired: reuse
        response = create()
        if 200 <= response.status_code < 300:
            entry.status_code = response.status_code
            entry.body = orjson.loads(JSONRenderer().render(response.data))
            entry.save()
        else:  # not remembered: the call may be retried with the same key
            entry.delete()
    return response


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an API view's create method to honour the `Idempotency-Key` header."""

    @extend_schema(parameters=[HEADER_PARAMETER])
    @functools.wraps(view_method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        return idempotent_response(request, lambda: view_method(self, request, *args, **kwargs))

    return wrapper


def idempotency_keys_purge() -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_SECONDS; return how many."""
    expired = timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=expired).delete()
    return deleted
