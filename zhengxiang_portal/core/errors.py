"""The one error type services raise for a broken business rule, and the codes it may carry.

Every code is a member of one domain's `ErrorCode` enum, declared next to the rules that raise
it (`<app>/errors.py`: agencies, the catalog, collaboration, assessment, and the portal's
calendar, documents and security modules); `ApiErrorCode` holds what the API layer answers by
itself. The OpenAPI schema lists every enum (`<Name>Enum` components) and their union
(`ErrorCodeEnum`, the `code` of `ErrorResponse`), so API clients can switch on them. Raising a
code no enum declares warns with `UndeclaredErrorCode`, which the test suite turns into an error.
"""

from __future__ import annotations

import warnings
from enum import StrEnum
from functools import cache
from importlib import import_module
from typing import Any


class ErrorCode(StrEnum):
    """Base of the domains' error-code enums; a member is its machine-readable string."""


class ApiErrorCode(ErrorCode):
    """What the API layer answers by itself, whatever the domain (core.api, middleware)."""

    INVALID = "invalid"  # input failed a field's or the model's validation: see details
    PARSE_ERROR = "parse_error"  # the body is not the JSON / form it claims to be
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    ERROR = "error"  # any other refusal of the API framework
    DATABASE_UNAVAILABLE = "database_unavailable"  # 503: retry later
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # same key, different request
    FILE_TOO_LARGE = "file_too_large"  # an attachment over PORTAL_UPLOAD_MAX_BYTES


class UndeclaredErrorCode(UserWarning):
    """An ApplicationError was raised with a code that no ErrorCode enum declares."""


class ApplicationError(Exception):
    """A rule refused the action; `code` is machine-readable, `message` is translated text."""

    def __init__(self, *, code: ErrorCode | str, message: Any, details: dict | None = None) -> None:
        super().__init__(str(message))
        if not isinstance(code, ErrorCode) and code not in declared_error_codes():
            warnings.warn(
                f"error code {code!r} is declared by no ErrorCode enum (<app>/errors.py)",
                UndeclaredErrorCode,
                stacklevel=2,
            )
        self.code = code
        self.message = message
        self.details = details or {}


def error_code_enums() -> list[type[ErrorCode]]:
    """Every domain's enum (each installed app's `errors` module imported once), API first."""
    _discover()
    found: list[type[ErrorCode]] = []
    pending = list(ErrorCode.__subclasses__())
    while pending:
        enum = pending.pop(0)
        found.append(enum)
        pending.extend(enum.__subclasses__())
    return sorted(found, key=lambda e: (e is not ApiErrorCode, e.__module__, e.__name__))


def declared_error_codes() -> frozenset[str]:
    """Every code some enum declares (a code may mean the same in two domains)."""
    return frozenset(member.value for enum in error_code_enums() for member in enum)


@cache
def _discover() -> None:
    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"{config.name}.errors"
        try:
            import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
