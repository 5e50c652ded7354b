"""Catalog rules (Art. 20): only the working group keeps the catalog; publishing needs a schema."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.roles import Role
from sharing_catalog.models import CatalogItem, Obligation
from sharing_catalog.services.catalog import (
    catalog_item_create,
    catalog_item_publish,
    catalog_item_retire,
    catalog_item_update,
    schema_version_create,
    schema_version_publish,
)
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)
from tests.sharing_catalog.catalog_helpers import FIELDS, item_data
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def wg(roles):
    return WorkingGroupMemberFactory().user


@pytest.fixture
def provider():
    return UnitFactory(name="区市场监管局")


def test_working_group_member_creates_a_draft_item_with_a_ledger_entry(wg, provider):
    tax = make_tax_bureau()
    item = catalog_item_create(actor=wg, consumers=[tax], **item_data(provider))
    assert item.status == CatalogItem.Status.DRAFT
    assert list(item.consumers.all()) == [tax]
    entry = LedgerEntry.objects.get(action="catalog")
    assert entry.actor == wg
    assert entry.details == {"event": "item_created", "code": "ZX-T-001"}


@pytest.mark.parametrize("role", [Role.LIAISON, Role.TAX_STAFF, Role.SYSTEM_ADMIN])
def test_nobody_outside_the_working_group_creates_an_item(roles, provider, role):
    outsider = UserFactory(unit=provider, roles=[role])
    with pytest.raises(PermissionDenied):
        catalog_item_create(actor=outsider, **item_data(provider))
    assert not CatalogItem.objects.exists()


def test_a_liaison_of_the_provider_cannot_publish_or_retire_its_item(wg, provider):
    item = CatalogItemViaServicesFactory(actor=wg, provider=provider, publish=False)
    liaison = make_liaison(provider)
    with pytest.raises(PermissionDenied):
        catalog_item_publish(actor=liaison, item=item)
    item = catalog_item_publish(actor=wg, item=item)
    with pytest.raises(PermissionDenied):
        catalog_item_retire(actor=liaison, item=item)
    with pytest.raises(PermissionDenied):
        catalog_item_update(actor=liaison, item=item, name="改名")


def test_publishing_without_a_schema_in_force_is_refused(wg, provider):
    item = catalog_item_create(actor=wg, **item_data(provider))
    with pytest.raises(ApplicationError) as refused:
        catalog_item_publish(actor=wg, item=item)
    assert refused.value.code == "no_schema"
    schema_version_create(actor=wg, item=item, fields=FIELDS)  # a draft version is not enough
    with pytest.raises(ApplicationError) as still:
        catalog_item_publish(actor=wg, item=item)
    assert still.value.code == "no_schema"


def test_publishing_with_a_schema_in_force_opens_the_current_obligation(wg, provider):
    item = CatalogItemViaServicesFactory(actor=wg, provider=provider)
    assert item.status == CatalogItem.Status.PUBLISHED
    assert item.published_at is not None
    assert Obligation.objects.filter(item=item).count() == 1
    events = list(LedgerEntry.objects.order_by("seq").values_list("details__event", flat=True))
    assert events == ["item_created", "schema_created", "schema_published", "item_published"]


def test_schema_versions_count_up_and_an_older_version_cannot_replace_a_newer(wg, provider):
    item = CatalogItemViaServicesFactory(actor=wg, provider=provider)
    v2 = schema_version_create(actor=wg, item=item, fields=FIELDS[:3], note="精简")
    v3 = schema_version_create(actor=wg, item=item, fields=FIELDS[:2])
    assert (v2.version, v3.version) == (2, 3)
    schema_version_publish(actor=wg, schema=v3)
    with pytest.raises(ApplicationError) as refused:
        schema_version_publish(actor=wg, schema=v2)
    assert refused.value.code == "outdated_version"


def test_a_published_item_keeps_its_code(wg, provider):
    item = CatalogItemViaServicesFactory(actor=wg, provider=provider)
    with pytest.raises(ApplicationError) as refused:
        catalog_item_update(actor=wg, item=item, code="ZX-NEW")
    assert refused.value.code == "code_frozen"
    updated = catalog_item_update(actor=wg, item=item, name="市场主体登记信息")
    assert updated.name == "市场主体登记信息"


def test_conditional_sharing_needs_a_stated_condition(wg, provider):
    with pytest.raises(ValidationError) as refused:
        catalog_item_create(
            actor=wg,
            **item_data(provider, sharing_class=CatalogItem.SharingClass.CONDITIONAL),
        )
    assert "share_condition" in refused.value.message_dict


def test_the_provider_cannot_be_its_own_consumer(wg, provider):
    with pytest.raises(ValidationError) as refused:
        catalog_item_create(actor=wg, consumers=[provider], **item_data(provider))
    assert "consumers" in refused.value.message_dict


def test_duplicate_code_is_a_validation_error(wg, provider):
    catalog_item_create(actor=wg, **item_data(provider))
    with pytest.raises(ValidationError) as refused:
        catalog_item_create(actor=wg, **item_data(provider))
    assert "code" in refused.value.message_dict


def test_retiring_stops_new_obligations_and_needs_a_published_item(wg, provider):
    draft = catalog_item_create(actor=wg, **item_data(provider, code="ZX-T-002"))
    with pytest.raises(ApplicationError):
        catalog_item_retire(actor=wg, item=draft)
    item = CatalogItemViaServicesFactory(actor=wg, provider=provider)
    retired = catalog_item_retire(actor=wg, item=item, reason="并入新目录项")
    assert retired.status == CatalogItem.Status.RETIRED
    with pytest.raises(ApplicationError) as refused:
        schema_version_create(actor=wg, item=retired, fields=FIELDS)
    assert refused.value.code == "retired"
