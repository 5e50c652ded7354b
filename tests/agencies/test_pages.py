"""Login, role-aware home and navigation, unit pages."""

import pytest
from django.urls import reverse

from agencies.demo import DEMO_PASSWORD
from agencies.models import Unit

pytestmark = pytest.mark.django_db


def test_every_page_requires_login(client):
    response = client.get("/units/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_in_chinese(client):
    body = client.get(reverse("login")).content.decode()
    assert "蒸湘区税费精诚共治平台" in body
    assert "登录" in body
    assert 'lang="zh-hans"' in body


def test_wrong_password_shows_a_chinese_error(client, demo):
    response = client.post(reverse("login"), {"username": "tax_staff", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码" in response.content.decode()


@pytest.mark.parametrize(
    ("username", "sees_units"),
    [
        ("wg_leader", True),
        ("wg_member", True),
        ("tax_staff", True),
        ("liaison_finance", False),
        ("auditor", False),
        ("security_admin", True),
        ("system_admin", True),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(client, demo, username, sees_units):
    assert client.login(username=username, password=DEMO_PASSWORD)
    body = client.get(reverse("home")).content.decode()
    assert ('href="/units/"' in body) is sees_units


def test_liaison_gets_404_for_another_units_page(client, demo):
    client.login(username="liaison_finance", password=DEMO_PASSWORD)
    court = Unit.objects.get(code="ZX-COURT")
    assert client.get(reverse("agencies:unit_detail", args=[court.pk])).status_code == 404
    own = Unit.objects.get(code="ZX-FIN")
    assert client.get(reverse("agencies:unit_detail", args=[own.pk])).status_code == 200


def test_unit_list_filters_sorts_and_paginates(client, demo):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    body = client.get("/units/?kind=bank&sort=-name").content.decode()
    assert "中国工商银行衡阳蒸湘支行" in body
    assert "蒸湘区财政局" not in body
    # -name sorts descending: 中国建设银行 … before 中国工商银行 … in code-point order
    assert body.index("湖南衡阳农村商业银行") < body.index("中国工商银行")


def test_unit_list_query_count_does_not_grow_with_units(
    client, demo, django_assert_max_num_queries
):
    client.login(username="wg_member", password=DEMO_PASSWORD)
    assert client.get("/units/").status_code == 200  # warm: the account's authorisation snapshot
    with django_assert_max_num_queries(6):  # 5 measured on the demo data
        assert client.get("/units/").status_code == 200


def test_home_shows_an_empty_state_that_says_what_happens_next(client, demo):
    client.login(username="system_admin", password=DEMO_PASSWORD)
    body = client.get("/").content.decode()
    assert "系统管理员" in body


def test_english_is_available(client, demo):
    client.login(username="wg_leader", password=DEMO_PASSWORD)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en"' in body
