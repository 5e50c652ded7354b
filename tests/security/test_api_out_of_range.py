"""An out-of-range number in any id or query parameter is a 4xx, never a server error.

Found by the schemathesis run (an OverflowError for ?provider=1e23 on SQLite): generated from
the OpenAPI schema, so every GET endpoint and each of its query parameters is covered.
"""

import re

import pytest
from rest_framework.test import APIClient

from agencies.roles import Role
from tests.factories import UserFactory, make_tax_bureau
from tests.urlwalk import schema_paths

pytestmark = pytest.mark.django_db

HUGE = "9" * 23  # beyond a 64-bit integer


def test_huge_numbers_in_paths_and_query_parameters_never_cause_a_server_error(roles):
    staff = UserFactory(unit=make_tax_bureau(), roles=[Role.TAX_STAFF, Role.WG_LEADER])
    client = APIClient()
    client.force_authenticate(staff)
    failures = []
    for path, operations in schema_paths().items():
        if "get" not in operations:
            continue
        url = re.sub(r"\{[^}]+\}", HUGE, path)
        names = [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"]
        for query in ["", *(f"?{name}={HUGE}" for name in names)]:
            status = client.get(url + query).status_code
            if status >= 500:
                failures.append((url + query, status))
    assert failures == []
