"""The admin's scheme editor enforces the same rules as the page and the API."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _inline_post(scheme, weights):
    indicators = list(scheme.indicators.all())
    data = {
        "note": "",
        "indicators-TOTAL_FORMS": len(indicators),
        "indicators-INITIAL_FORMS": len(indicators),
        "indicators-MIN_NUM_FORMS": 0,
        "indicators-MAX_NUM_FORMS": 1000,
    }
    for i, (ind, weight) in enumerate(zip(indicators, weights, strict=True)):
        data.update({
            f"indicators-{i}-id": ind.pk, f"indicators-{i}-scheme": scheme.pk,
            f"indicators-{i}-position": ind.position, f"indicators-{i}-name": ind.name,
            f"indicators-{i}-weight": weight, f"indicators-{i}-kind": ind.kind,
            f"indicators-{i}-params": "{}", f"indicators-{i}-description": "",
        })  # fmt: skip
    return data


def test_admin_refuses_a_scheme_whose_weights_do_not_sum_to_100(client, world, q3):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    scheme = q3.scheme
    url = reverse("admin:assessment_indicatorscheme_change", args=[scheme.pk])
    weights = [str(i.weight) for i in scheme.indicators.all()]
    weights[0] = "10"
    response = client.post(url, _inline_post(scheme, weights))
    assert response.status_code == 200
    assert "各项指标权重之和必须等于 100，当前为 80" in response.content.decode()
    weights[0] = "30"
    assert client.post(url, _inline_post(scheme, weights)).status_code == 302
