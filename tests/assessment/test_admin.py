"""The admin's scheme editor enforces the same rules as the page and the API."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from agencies.roles import Role
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
    # The admin opens to the system admin only (三员分立); give one the scheme permissions.
    admin_user = UserFactory(roles=[Role.SYSTEM_ADMIN])
    admin_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="assessment",
            codename__in=[
                "view_indicatorscheme",
                "change_indicatorscheme",
                "view_indicator",
                "change_indicator",
                "add_indicator",
                "delete_indicator",
            ],
        )
    )
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
