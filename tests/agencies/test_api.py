"""Units and liaisons API: token and session auth, scoping, one error shape."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.models import Unit, User

pytestmark = pytest.mark.django_db


def _client_for(username: str) -> APIClient:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_anonymous_call_gets_401_in_the_error_shape():
    response = APIClient().get("/api/units/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_working_group_lists_every_unit_with_a_token(demo):
    response = _client_for("wg_leader").get("/api/units/?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == Unit.objects.count()


def test_liaison_list_leaks_no_other_unit(demo):
    response = _client_for("liaison_bank").get("/api/units/")
    codes = [u["code"] for u in response.json()["results"]]
    assert codes == ["ZX-ICBC"]
    liaisons = _client_for("liaison_bank").get("/api/liaisons/").json()["results"]
    assert {entry["unit_code"] for entry in liaisons} == {"ZX-ICBC"}


def test_liaison_gets_404_for_another_units_id(demo):
    court = Unit.objects.get(code="ZX-COURT")
    response = _client_for("liaison_bank").get(f"/api/units/{court.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unit_list_query_count_is_flat(demo, django_assert_max_num_queries):
    client = _client_for("wg_leader")
    with django_assert_max_num_queries(8):
        client.get("/api/units/?page_size=100")


def test_openapi_schema_and_local_docs_page(client, demo):
    # Default-deny (issue 7): the schema and the docs need a login.
    assert client.get("/api/schema/").status_code == 401
    from agencies.demo import DEMO_PASSWORD

    client.login(username="tax_staff", password=DEMO_PASSWORD)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/units/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower()
