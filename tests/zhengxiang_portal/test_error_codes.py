"""Error codes are declared once per domain, used by name, and listed in the OpenAPI schema."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions

from zhengxiang_portal.core.errors import (
    ApiErrorCode,
    ApplicationError,
    UndeclaredErrorCode,
    declared_error_codes,
    error_code_enums,
)

APPS = ["agencies", "sharing_catalog", "collaboration", "assessment", "zhengxiang_portal"]
# Calls that carry an ApplicationError's code: the error itself, its subclasses, the helpers
# that raise it with a code they are given.
RAISERS = {"ApplicationError", "FileRejected", "require_text", "Condition", "super().__init__"}


def _code_arguments():
    """(file:line, the code= argument's node) of every raiser call in the apps' code."""
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and ast.unparse(node.func) in RAISERS:
                    for keyword in node.keywords:
                        if keyword.arg == "code":
                            yield f"{path.relative_to(base)}:{node.lineno}", keyword.value


def test_every_domain_declares_its_codes_in_one_enum():
    enums = error_code_enums()
    assert {e.__name__ for e in enums} >= {
        "ApiErrorCode", "AgencyErrorCode", "CatalogErrorCode", "CollaborationErrorCode",
        "AssessmentErrorCode", "SecurityErrorCode", "DocumentErrorCode", "CalendarErrorCode",
    }  # fmt: skip
    for enum in enums:  # no member is an alias of another (one name per code)
        assert len(enum.__members__) == len(list(enum)), enum


def test_no_call_site_raises_a_code_by_a_literal_string():
    literals = [
        f"{where} {node.value!r}"
        for where, node in _code_arguments()
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert literals == []


def test_every_code_named_at_a_call_site_is_declared():
    declared = {(type(m).__name__, m.name) for e in error_code_enums() for m in e}
    named = [
        (where, node.value.id, node.attr)
        for where, node in _code_arguments()
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    ]
    assert named, "the scan found no call site"
    assert [n for n in named if n[1].endswith("ErrorCode") and n[1:] not in declared] == []


def test_raising_an_undeclared_code_is_an_error_under_the_suite():
    with pytest.raises(UndeclaredErrorCode):
        ApplicationError(code="no_such_code_anywhere", message="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ApplicationError(code="invalid", message="x")  # a declared value given as text is fine


def test_the_api_frameworks_own_codes_are_declared():
    builtin = {
        cls.default_code
        for cls in vars(exceptions).values()
        if isinstance(cls, type) and issubclass(cls, exceptions.APIException)
    }
    assert builtin - {"invalid"} <= {c.value for c in ApiErrorCode}


@pytest.mark.django_db
def test_the_openapi_schema_lists_every_code_and_the_error_shape():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert set(components["ErrorCodeEnum"]["enum"]) == declared_error_codes()
    for enum in error_code_enums():
        assert components[f"{enum.__name__}Enum"]["enum"] == [m.value for m in enum]
    error = components["ErrorResponse"]["properties"]["error"]
    assert error["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCodeEnum"}
    refused = schema["paths"]["/api/objections/"]["post"]["responses"]["400"]
    assert refused["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
