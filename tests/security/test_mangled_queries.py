"""Hand-edited links and hand-made API calls: every page answers mangled query parameters, and
every API endpoint a malformed JSON body, without a server error (a wrong filter is shown or
ignored, a wrong id is "not found", a wrong body is a 400 in the API's error shape)."""

from __future__ import annotations

import pytest
from django.test import Client

from agencies.demo import DEMO_PASSWORD
from tests.urlwalk import all_routes, concrete_url

pytestmark = pytest.mark.django_db

# Every query parameter a page of the portal reads, each given a value no form would send.
MANGLED = {
    "page": "abc",
    "sort": "-nonexistent__field",
    "status": "<script>",
    "category": "99",
    "unit": "abc",
    "provider": "-1",
    "item": "1e9",
    "period": "abc",
    "bucket": "99",
    "tag": "\x00",
    "score": "abc",
    "version": "abc",
    "old": "abc",
    "new": "1.5",
    "before": "abc",
    "extra": "abc",
    "q": "%" * 300,
    "due_from": "2026-13-45",
    "date_from": "2026-02-30",
    "start": "0000-00-00",
    "end": "9999-99-99",
    "ip": "999.1.1.1",
    "direction": "sideways",
    "overdue": "maybe",
    "mine": "x",
    "all": "x",
    "side": "x",
    "next": "http://evil.example/",
    "kind": "x",
    "year": "-5",
    "matter_type": "abc",
}
ACCOUNTS = ["wg_leader", "tax_staff", "liaison_finance", "auditor"]


def _pages() -> list:
    """Every route but the admin's (Django's own), objects given a demo-sized id."""
    return [r for r in all_routes() if not r.name.startswith("admin:")]


@pytest.mark.parametrize("username", ACCOUNTS)
def test_no_page_breaks_on_mangled_query_parameters(demo, settings, username):
    settings.PORTAL_2FA_ENFORCED = False  # the auditor's pages, not its enrolment page
    client = Client(raise_request_exception=False)
    assert client.login(username=username, password=DEMO_PASSWORD)
    broken = []
    for route in _pages():
        url = concrete_url(route)
        response = client.get(url, MANGLED)
        if response.status_code >= 500:
            broken.append(f"{route.name} {url} -> {response.status_code}")
    assert broken == []


# JSON bodies no client of the API should send: wrong shapes, wrong types, huge numbers.
MALFORMED_BODIES = [
    {},
    MANGLED,
    {key: [1, {"a": None}] for key in MANGLED},
    {key: 10**30 for key in MANGLED},
    [],
    "text",
    None,
]


@pytest.mark.parametrize("username", ["wg_leader", "liaison_finance"])
def test_no_api_endpoint_breaks_on_a_malformed_json_body(demo, settings, username):
    import json

    settings.PORTAL_2FA_ENFORCED = False
    client = Client(raise_request_exception=False)
    assert client.login(username=username, password=DEMO_PASSWORD)
    broken = []
    for route in _pages():
        if not route.route.startswith("api/") or route.name in {"schema", "api-docs"}:
            continue
        url = concrete_url(route)
        for body in MALFORMED_BODIES:
            for send in (client.post, client.put, client.patch):
                response = send(url, json.dumps(body), content_type="application/json")
                if response.status_code >= 500:
                    broken.append(
                        f"{send.__name__} {url} {str(body)[:20]} -> {response.status_code}"
                    )
    assert broken == []
