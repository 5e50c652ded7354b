"""Test helpers for issue 4 (grants, agreements, coordination, masking, objections)."""

from __future__ import annotations

import factory

from sharing_catalog.models import CatalogItem, FieldType, SchemaField
from tests.factories import (
    CatalogItemFactory,
    UnitFactory,
    add_schema,
    make_liaison,
)

# The item of the grant, masking and objection tests: a name, and three fields masked unless
# the consumer is entitled to them (Art. 24).
GOVERNED_FIELDS = [
    {"key": "name", "label": "姓名", "field_type": FieldType.TEXT},
    {
        "key": "id_number",
        "label": "身份证号",
        "field_type": FieldType.ID_NUMBER,
        "is_sensitive": True,
    },
    {"key": "phone", "label": "电话", "field_type": FieldType.PHONE, "is_sensitive": True},
    {"key": "account", "label": "账号", "field_type": FieldType.TEXT, "is_sensitive": True},
]


class GovernedItemFactory(CatalogItemFactory):
    """A published item (unconditional unless `sharing_class` says otherwise) with the four
    GOVERNED_FIELDS in schema version 1, not published."""

    schema = factory.PostGeneration(
        lambda item, create, extracted, **kwargs: (
            add_schema(item, GOVERNED_FIELDS if extracted is None else extracted, **kwargs)
            if create
            else None
        )
    )


def schema_fields(item: CatalogItem):
    return list(SchemaField.objects.filter(schema__item=item).order_by("position"))


def provider_and_consumer():
    """A provider liaison and a consumer liaison, each of their own unit."""
    return make_liaison(UnitFactory(name="提供单位")), make_liaison(UnitFactory(name="需求单位"))
