"""Schemathesis against /api/schema/ through the WSGI app: no server error, and every answer
is what the schema says it is.

Issue 7 "Done when": a schemathesis run against /api/schema/ finds no server error. Every
operation of the published schema is called with generated data by an authenticated user
(a tax-bureau account, who sees the most) and, for the audit endpoints, by an auditor.
Issue 15: each documented answer must also conform to the schema (body and content type), so
clients generated from the schema read what the API really returns.

Schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) does not run under
pytest 9 (it reads the removed `Function._nodeid`), so the operations are driven through
Hypothesis directly: `operation.as_strategy()` is what that integration uses underneath.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from agencies.models import Unit, UnitKind
from agencies.roles import Role
from tests.factories import UserFactory

MAX_EXAMPLES = 10  # per operation; keeps the whole run well under a minute
# The answer matches its schema (body, content type). Undocumented status codes (400/403/404 on
# generated input) are not checked: the API documents its one error shape once, not per code.
CHECKS = [response_schema_conformance, content_type_conformance]


def _tokens() -> dict[str, str]:
    # The demo data: lists and details carry real rows (objections with and without a ruling,
    # requests with and without an assignee), so the answers' schemas are really exercised.
    bureau = Unit.objects.get(kind=UnitKind.TAX_BUREAU)
    user = UserFactory(unit=bureau, roles=[Role.TAX_STAFF, Role.WG_LEADER])
    auditor = UserFactory(roles=[Role.AUDITOR])
    return {
        "user": f"Token {Token.objects.create(user=user).key}",
        "auditor": f"Token {Token.objects.create(user=auditor).key}",
    }


@pytest.mark.django_db
def test_answers_about_real_objects_conform_to_the_schema(demo):
    """Generated ids rarely exist: every GET with one id is also called with ids the list gives."""
    tokens = _tokens()
    app = WSGIHandler()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", app, headers={"Authorization": tokens["user"]}
        )
        # Through the same WSGI app (Django's test Client would reconnect the signal that closes
        # the test's database connection after each request).
        operations = {(o.method.upper(), o.path): o for o in map(_ok, schema.get_all_operations())}
        auth = {"Authorization": tokens["user"]}
        failures, checked = {}, 0
        for (method, path), operation in operations.items():
            names = [p.name for p in operation.path_parameters]
            list_operation = operations.get(("GET", path.split("{id}")[0]))
            if method != "GET" or names != ["id"] or list_operation is None:
                continue
            listing = list_operation.Case().call(headers=auth)
            if listing.status_code != 200:
                continue
            rows = listing.json()
            rows = rows.get("results", []) if isinstance(rows, dict) else rows
            for row in rows[:2]:
                case = operation.Case(path_parameters={"id": row["id"]})
                response = case.call(headers=auth)
                checked += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Failure, FailureGroup) as exc:
                    failures.setdefault(f"GET {operation.path}", _summary(exc))
        assert checked >= 10
        assert not failures, "\n\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_never_answers_with_a_server_error(demo):
    tokens = _tokens()
    app = WSGIHandler()
    # As Django's test client does: requests must not close the test's connection (PostgreSQL
    # would see the test transaction's autocommit off and drop the connection).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        _run(app, tokens)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _ok(result):
    return result.ok()


def _summary(exc: BaseException) -> str:
    parts = getattr(exc, "exceptions", None) or [exc]
    return " | ".join(
        f"{getattr(e, 'title', type(e).__name__)}: {str(getattr(e, 'message', e))[:300]}"
        for e in parts
    )


def _run(app, tokens):
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", app, headers={"Authorization": tokens["user"]}
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    called: list[str] = []
    nonconforming: dict[str, str] = {}

    def check(operation):
        who = "auditor" if "audit" in operation.path else "user"

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            response = case.call(headers={"Authorization": tokens[who]})
            called.append(f"{case.method} {case.path}")
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.text[:300],
            )
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as exc:  # keep the first failure per operation
                nonconforming.setdefault(f"{case.method} {operation.path}", _summary(exc))

        call()

    for operation in operations:
        check(operation)
    assert len(set(called)) == len(operations)
    assert not nonconforming, "\n\n".join(f"{k}: {v}" for k, v in sorted(nonconforming.items()))
