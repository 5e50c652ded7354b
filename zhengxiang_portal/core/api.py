"""API conventions: one error shape with a machine-readable code, keyset-friendly pagination."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApiErrorCode, ApplicationError, declared_error_codes, error_code_enums


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField that refuses a NUL character as bad input.

    DRF's CharField refuses NUL (PostgreSQL text cannot hold it), its SlugRelatedField does not:
    the look-up reached the database and answered 500 instead of a field error.
    """

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "null_characters": gettext_lazy("不能包含空字符（NUL）。"),
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _payload(code: str, message: object, details: object = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def exception_handler(exc, context):
    """Render every error as {"error": {"code", "message", "details"}}."""
    if isinstance(exc, ApplicationError):
        return Response(_payload(exc.code, exc.message, exc.details), status=400)
    if isinstance(exc, DjangoValidationError):
        details = getattr(exc, "message_dict", None) or {"non_field_errors": exc.messages}
        return Response(_payload(ApiErrorCode.INVALID, _("提交的数据有误。"), details), status=400)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _payload(ApiErrorCode.INVALID, _("提交的数据有误。"), response.data)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else ApiErrorCode.ERROR
        response.data = _payload(code, exc.detail)
    return response


def error_response(code: str, message: object, http_status: int = status.HTTP_400_BAD_REQUEST):
    return Response(_payload(code, message), status=http_status)


ERROR_RESPONSE = "ErrorResponse"


def error_codes_schema_hook(result, generator, request, public):
    """drf-spectacular post-processing: the error shape and every declared code in the schema.

    Adds one enum component per domain (`CatalogErrorCodeEnum` …), their union `ErrorCodeEnum`
    and `ErrorResponse` ({"error": {"code", "message", "details"}}), the answer every write
    operation gives with status 400 when a rule refuses it.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for enum in error_code_enums():
        schemas[f"{enum.__name__}Enum"] = {
            "type": "string",
            "enum": [member.value for member in enum],
            "description": (enum.__doc__ or "").strip(),
        }
    schemas["ErrorCodeEnum"] = {
        "type": "string",
        "enum": sorted(declared_error_codes()),
        "description": "Every error code the API answers: the union of the domains' enums.",
    }
    schemas[ERROR_RESPONSE] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"$ref": "#/components/schemas/ErrorCodeEnum"},
                    "message": {"type": "string", "description": "Translated, for people."},
                    "details": {"description": "Field errors or the rule's particulars."},
                },
            }
        },
    }
    refused = {
        "description": "A rule or the input refused the request; switch on error.code.",
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_RESPONSE}"}}
        },
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in {"post", "put", "patch", "delete"}:
                operation.setdefault("responses", {}).setdefault("400", refused)
    return result
