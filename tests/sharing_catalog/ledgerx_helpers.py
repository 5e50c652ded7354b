"""Test helpers for issue 4 (grants, agreements, coordination, masking, objections)."""

from __future__ import annotations

from agencies.models import WorkingGroupMember
from agencies.roles import Role
from sharing_catalog.models import CatalogItem, FieldType, SchemaField, SchemaVersion
from tests.factories import UnitFactory, UserFactory, make_liaison

_n = [0]


def make_item(
    *,
    provider=None,
    consumers=(),
    sharing_class=CatalogItem.SharingClass.UNCONDITIONAL,
    status=CatalogItem.Status.PUBLISHED,
    needs_wg=False,
    sensitive=True,
) -> CatalogItem:
    _n[0] += 1
    item = CatalogItem.objects.create(
        code=f"T-{_n[0]:04d}",
        name=f"测试目录项{_n[0]}",
        provider=provider or UnitFactory(),
        sharing_class=sharing_class,
        legal_basis="《税收征收管理法》第五条",
        frequency=CatalogItem.Frequency.MONTHLY,
        transmission=CatalogItem.Transmission.PLATFORM_UPLOAD,
        status=status,
        grant_needs_working_group=needs_wg,
    )
    item.consumers.set(consumers)
    schema = SchemaVersion.objects.create(item=item, version=1)
    SchemaField.objects.create(
        schema=schema, position=1, key="name", label="姓名", field_type=FieldType.TEXT
    )
    SchemaField.objects.create(
        schema=schema,
        position=2,
        key="id_number",
        label="身份证号",
        field_type=FieldType.ID_NUMBER,
        is_sensitive=sensitive,
    )
    SchemaField.objects.create(
        schema=schema,
        position=3,
        key="phone",
        label="电话",
        field_type=FieldType.PHONE,
        is_sensitive=sensitive,
    )
    SchemaField.objects.create(
        schema=schema,
        position=4,
        key="account",
        label="账号",
        field_type=FieldType.TEXT,
        is_sensitive=sensitive,
    )
    return item


def schema_fields(item: CatalogItem):
    return list(SchemaField.objects.filter(schema__item=item).order_by("position"))


def make_wg_member():
    unit = UnitFactory()
    user = UserFactory(unit=unit, roles=[Role.WG_MEMBER])
    WorkingGroupMember.objects.create(user=user, unit=unit)
    return user


def provider_and_consumer():
    """A provider liaison and a consumer liaison, each of their own unit."""
    return make_liaison(UnitFactory(name="提供单位")), make_liaison(UnitFactory(name="需求单位"))
