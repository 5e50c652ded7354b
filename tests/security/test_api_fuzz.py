"""Schemathesis against /api/schema/ through the WSGI app: no request makes the server fail.

Issue 7 "Done when": a schemathesis run against /api/schema/ finds no server error. Every
operation of the published schema is called with generated data by an authenticated user
(a tax-bureau account, who sees the most) and, for the audit endpoints, by an auditor.

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

from agencies.roles import Role
from tests.factories import UserFactory, make_liaison, make_tax_bureau

MAX_EXAMPLES = 10  # per operation; keeps the whole run well under a minute


@pytest.mark.django_db
def test_api_never_answers_with_a_server_error(roles):
    bureau = make_tax_bureau()
    make_liaison(bureau)
    user = UserFactory(unit=bureau, roles=[Role.TAX_STAFF, Role.WG_LEADER])
    auditor = UserFactory(roles=[Role.AUDITOR])
    tokens = {
        "user": f"Token {Token.objects.create(user=user).key}",
        "auditor": f"Token {Token.objects.create(user=auditor).key}",
    }
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


def _run(app, tokens):
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", app, headers={"Authorization": tokens["user"]}
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    called: list[str] = []

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

        call()

    for operation in operations:
        check(operation)
    assert len(set(called)) == len(operations)
