"""The item-page include: what the viewer may do about an item (grant, unmask, coordination)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from sharing_catalog.models import CatalogItem
from tests.factories import GovernedItemFactory, provider_and_consumer

pytestmark = pytest.mark.django_db
TEMPLATE = Template(
    "{% load governance_tags %}{% item_access item as access %}"
    '{% include "sharing_catalog/includes/item_access.html" %}'
)


def _render(user, item) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "item": item}))


def test_consumer_of_a_conditional_item_is_offered_to_apply(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit,
        consumers=[consumer.unit],
        sharing_class=CatalogItem.SharingClass.CONDITIONAL,
    )
    html = _render(consumer, item)
    assert "申请共享授权" in html
    assert "不可查阅" in html
    assert "敏感字段查看权限" not in html


def test_provider_manages_unmask_and_coordination(roles):
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    html = _render(provider, item)
    assert "敏感字段查看权限" in html
    assert "申请协调" in html
    assert "申请共享授权" not in html


def test_revoking_unmask_for_a_mangled_account_id_is_not_found(client, roles):
    from django.urls import reverse

    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    client.force_login(provider)
    url = reverse("sharing_catalog:unmask_manage", args=[item.pk])
    assert client.post(url, {"revoke": "abc"}).status_code == 404
    assert client.post(url, {"revoke": "99999999"}).status_code == 404
