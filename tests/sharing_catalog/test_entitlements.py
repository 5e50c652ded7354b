"""THE entitlement rule for reading shared records (Art. 19, 20, 24)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from sharing_catalog.models import AccessGrant, CatalogItem
from sharing_catalog.selectors.entitlements import items_readable_by, user_may_read_item
from sharing_catalog.services.grants import grant_apply, grant_decide_provider
from tests.factories import GovernedItemFactory, UnitFactory, make_liaison, provider_and_consumer

pytestmark = pytest.mark.django_db
S = CatalogItem.SharingClass


def _apply(consumer, item) -> AccessGrant:
    return grant_apply(
        actor=consumer,
        item=item,
        consumer=consumer.unit,
        purpose="risk",
        legal_basis="《税收征收管理法》第五条",
    )


def _approve_for_30_days(provider, grant) -> None:
    grant_decide_provider(
        actor=provider,
        grant=grant,
        approve=True,
        valid_until=timezone.localdate() + dt.timedelta(30),
    )


def test_unconditional_item_is_read_by_its_consumers_and_provider_only():
    provider, consumer = provider_and_consumer()
    outsider = make_liaison(UnitFactory())
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    assert user_may_read_item(user=provider, item=item)
    assert user_may_read_item(user=consumer, item=item)
    assert not user_may_read_item(user=outsider, item=item)


def test_draft_item_is_hidden_from_consumers_but_not_from_its_provider():
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit, consumers=[consumer.unit], status=CatalogItem.Status.DRAFT
    )
    assert user_may_read_item(user=provider, item=item)
    assert not user_may_read_item(user=consumer, item=item)


def test_not_shared_item_is_read_by_nobody_but_the_provider():
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit, consumers=[consumer.unit], sharing_class=S.NOT_SHARED
    )
    assert list(items_readable_by(user=consumer)) == []
    assert list(items_readable_by(user=provider)) == [item]


def test_conditional_item_is_hidden_until_a_grant_is_approved_and_after_it_expires():
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit, consumers=[consumer.unit], sharing_class=S.CONDITIONAL
    )
    assert not user_may_read_item(user=consumer, item=item)
    grant = _apply(consumer, item)
    assert not user_may_read_item(user=consumer, item=item)  # requested is not enough
    _approve_for_30_days(provider, grant)
    assert user_may_read_item(user=consumer, item=item)
    assert list(items_readable_by(user=consumer)) == [item]
    with time_machine.travel(timezone.localdate() + dt.timedelta(days=31)):
        assert not user_may_read_item(user=consumer, item=item)
    assert AccessGrant.objects.get().status == AccessGrant.Status.APPROVED


def test_items_readable_by_has_no_duplicates_and_flat_queries(django_assert_num_queries):
    provider, consumer = provider_and_consumer()
    other_consumer_unit = UnitFactory()
    from guardian.shortcuts import assign_perm

    assign_perm("agencies.act_for_unit", consumer, other_consumer_unit)
    for _ in range(5):
        GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit, other_consumer_unit])
    consumer = type(consumer).objects.get(pk=consumer.pk)  # as a request loads the account
    # The account's authorisation snapshot (roles, user and group permissions, the units it acts
    # for, the items it consumes, its second factor: agencies.authz), then the items in one query.
    with django_assert_num_queries(7):
        items = list(items_readable_by(user=consumer))
    assert len(items) == 5
    # The next request reuses the snapshot: the items alone.
    next_request = type(consumer).objects.get(pk=consumer.pk)
    with django_assert_num_queries(1):
        assert len(list(items_readable_by(user=next_request))) == 5


# --- the consumed items kept in the account's snapshot (lists and the home panel) -------------


def _next_request(user):
    """The account as the next request loads it (its snapshot comes from this process's memory)."""
    return type(user).objects.get(pk=user.pk)


def _listed(user) -> set[int]:
    from sharing_catalog.selectors.entitlements import consumed_item_ids

    return set(consumed_item_ids(user=_next_request(user)))


def test_the_listed_items_follow_every_change_of_the_rule_on_the_next_request():
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit, consumers=[], status=CatalogItem.Status.DRAFT
    )
    assert _listed(consumer) == set()
    item.consumers.add(consumer.unit)
    assert _listed(consumer) == set()  # still a draft
    item.status = CatalogItem.Status.PUBLISHED
    item.save()
    assert _listed(consumer) == {item.pk}
    item.sharing_class = S.NOT_SHARED
    item.save()
    assert _listed(consumer) == set()
    item.sharing_class = S.UNCONDITIONAL
    item.save()
    assert _listed(consumer) == {item.pk}
    item.consumers.remove(consumer.unit)
    assert _listed(consumer) == set()
    assert _listed(provider) == set()  # a provider does not "consume" its own item


def test_a_grant_shows_when_approved_and_goes_when_revoked_or_past_its_end():
    from sharing_catalog.services.grants import grant_revoke

    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(
        provider=provider.unit, consumers=[consumer.unit], sharing_class=S.CONDITIONAL
    )
    grant = _apply(consumer, item)
    assert _listed(consumer) == set()
    _approve_for_30_days(provider, grant)
    assert _listed(consumer) == {item.pk}
    with time_machine.travel(timezone.localdate() + dt.timedelta(days=31)):
        assert _listed(consumer) == set()  # the day is part of the key: no write needed
    grant.refresh_from_db()
    grant_revoke(actor=provider, grant=grant, reason="用途已完成")
    assert _listed(consumer) == set()


def test_a_deleted_item_leaves_the_lists_on_the_next_request():
    provider, consumer = provider_and_consumer()
    item = GovernedItemFactory(provider=provider.unit, consumers=[consumer.unit])
    assert _listed(consumer) == {item.pk}
    CatalogItem.objects.get(pk=item.pk).delete()
    assert _listed(consumer) == set()


def test_tax_staff_read_for_their_bureau_only_while_it_is_the_tax_bureau():
    from agencies.models import Unit
    from agencies.roles import Role
    from tests.factories import UserFactory, make_tax_bureau

    bureau = make_tax_bureau()
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF])
    provider = make_liaison(UnitFactory())
    item = GovernedItemFactory(provider=provider.unit, consumers=[bureau])
    assert _listed(staff) == {item.pk}
    reclassified = Unit.objects.get(pk=bureau.pk)
    reclassified.kind = UnitFactory().kind  # an ordinary unit now
    reclassified.save()
    assert _listed(staff) == set()
