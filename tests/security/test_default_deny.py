"""Default-deny: every URL needs a login unless it is on the explicit public allow-list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.urlwalk import all_routes, concrete_url

# Reachable without a login, and why.
PUBLIC = {
    "login": "the login page itself",
    "set_language": "language switch on the login page (POST only, no data)",
    "healthz": "load balancer / monitoring probe; reports service state only",
}

pytestmark = pytest.mark.django_db


def test_allow_list_names_existing_routes():
    names = {r.name for r in all_routes()}
    assert set(PUBLIC) <= names


@pytest.mark.parametrize(
    "route", [r for r in all_routes() if r.name not in PUBLIC], ids=lambda r: r.name
)
def test_anonymous_access_is_denied(client, route):
    url = concrete_url(route)
    response = client.get(url)
    if response.status_code in (301, 302):
        location = response["Location"]
        assert location.startswith(reverse(settings.LOGIN_URL)) or location.startswith(
            reverse("admin:login")
        ), f"{route.name} redirected anonymous to {location}"
        if location.startswith(reverse("admin:login")):
            follow = client.get(location)
            assert follow.status_code == 302 and follow["Location"].startswith(reverse("login"))
    else:
        assert response.status_code in (401, 403, 405), (
            f"{route.name} {url} -> {response.status_code}"
        )
        assert response.status_code != 405 or route.name.endswith(("decide", "verify", "logout")), (
            route
        )


def test_api_schema_and_docs_need_a_login(client):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)


def test_healthz_stays_public(client):
    assert client.get(reverse("healthz")).status_code in (200, 503)
