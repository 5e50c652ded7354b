"""The demo catalog keeps identity numbers sensitive and sealed at rest (Art. 24, issue 14).

被执行人证件号码 was shown in clear and stored unencrypted; every identity-number field of the
demo catalog is now sensitive, a database seeded before that is re-sealed by re-seeding, and
the tax bureau reads 买受人证件号码 in clear only under 税费征收管理.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from agencies.models import Unit
from sharing_catalog.models import FieldDisclosure, Record, SchemaField
from sharing_catalog.services.record_codec import RecordCodec
from zhengxiang_portal.security.crypto import is_encrypted

pytestmark = pytest.mark.django_db
IDENTITY_WORDS = ("证件号码", "身份证")


def _identity_fields():
    fields = SchemaField.objects.select_related("schema__item")
    return [f for f in fields if any(w in f.label for w in IDENTITY_WORDS)]


def test_every_identity_number_field_of_the_demo_catalog_is_sensitive(demo):
    fields = _identity_fields()
    assert any(f.key == "debtor_id" for f in fields)
    assert [f"{f.schema.item.code} {f.label}" for f in fields if not f.is_sensitive] == []


def test_identity_numbers_of_the_demo_records_are_encrypted_at_rest(demo):
    sensitive = {(f.schema_id, f.key) for f in _identity_fields()}
    records = Record.objects.select_related("submission")
    checked = 0
    for record in records:
        for schema_id, key in sensitive:
            if record.submission.schema_id == schema_id and record.data.get(key):
                assert is_encrypted(record.data[key]), (schema_id, key)
                checked += 1
    assert checked  # the demo does hold identity numbers


def test_reseeding_a_database_seeded_before_the_fix_seals_and_keeps_the_values(demo):
    # given a database where 被执行人证件号码 was not sensitive and is stored in clear
    field = SchemaField.objects.get(key="debtor_id", schema__item__code="ZX-ML-003")
    codec = RecordCodec.for_schema(field.schema)
    records = list(Record.objects.filter(submission__schema=field.schema))
    clear = {r.pk: codec.open(r.data)["debtor_id"] for r in records}
    assert clear
    for record in records:
        record.data = codec.open(record.data)  # everything in clear, as before
    Record.objects.bulk_update(records, ["data"])
    SchemaField.objects.filter(pk=field.pk).update(is_sensitive=False)
    # when the demo is seeded again
    call_command("seed_demo", verbosity=0)
    # then the field is sensitive again, sealed at rest, and every value still reads the same
    field.refresh_from_db()
    assert field.is_sensitive
    codec = RecordCodec.for_schema(field.schema)
    for record in Record.objects.filter(pk__in=clear):
        assert is_encrypted(record.data["debtor_id"])
        assert codec.open(record.data)["debtor_id"] == clear[record.pk]


def test_the_demo_discloses_the_buyer_id_to_the_tax_bureau_for_collection_only(demo):
    rules = list(FieldDisclosure.objects.values_list("consumer__code", "field_key", "purpose"))
    assert rules == [("ZX-TAX", "buyer_id", "collection")]
    assert Unit.objects.get(code="ZX-TAX").is_tax_bureau
