"""Sensitive fields are encrypted at rest, sensitive keys kept as keyed hashes (Art. 24; issue 7).

What the database holds is checked directly; what people see is checked through the pages, the
API, exports and diffs, which must all show the values in clear to those allowed to see them.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from sharing_catalog.models import Record, SchemaField, Submission
from sharing_catalog.services.ingest.pipeline import submission_ingest
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.record_codec import KEY_CONTEXT, RecordCodec, field_context
from sharing_catalog.services.submissions import submission_confirm, submission_diff
from tests.factories import PASSWORD
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    World,
    credit_code,
    good_row,
    id_number,
    private_media_root,
    xlsx_file,
)
from tests.sharing_catalog.test_objections import confirmed_version
from zhengxiang_portal.security.crypto import (
    DecryptionError,
    FieldCipher,
    blind_index,
    generate_key,
    key_id,
)

pytestmark = pytest.mark.django_db

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _world(*sensitive: str) -> World:
    world = World()
    SchemaField.objects.filter(schema__item=world.item, key__in=sensitive).update(is_sensitive=True)
    return world


def _raw_rows(submission: Submission) -> list[tuple[str, str]]:
    """(unique_key, data as text) exactly as the database holds them."""
    cast = "data::text" if connection.vendor == "postgresql" else "data"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unique_key, {cast} FROM {Record._meta.db_table} "  # noqa: S608
            "WHERE submission_id = %s ORDER BY row_number",
            [submission.pk],
        )
        return list(cursor.fetchall())


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _ingest(world: World, rows: list[list]) -> Submission:
    submission = submission_upload(
        obligation=world.obligation, actor=world.liaison, uploaded_file=xlsx_file(rows)
    )
    submission_ingest(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def test_sensitive_values_are_ciphertext_in_the_database_and_clear_for_the_provider(client, roles):
    world = _world("legal_id", "phone")
    submission = confirmed_version(world, [good_row(n) for n in range(1, 4)])
    raw = _raw_rows(submission)
    assert len(raw) == 3
    for n, (key, text) in enumerate(raw, start=1):
        assert id_number(n) not in text and "13907340000" not in text
        data = json.loads(text)
        assert data["legal_id"].startswith("enc1:") and data["phone"].startswith("enc1:")
        assert data["name"] == f"衡阳测试有限公司{n}"  # not sensitive: stored in clear
        assert key == credit_code(n)  # the key has no sensitive part: kept in clear

    _login(client, world.liaison)
    page = client.get(reverse("sharing_catalog:submission_records", args=[submission.pk]))
    assert id_number(2) in page.content.decode()
    api = client.get(f"/api/submissions/{submission.pk}/records/").json()
    assert [r["data"]["legal_id"] for r in api["results"]] == [id_number(n) for n in (1, 2, 3)]
    export = client.get(reverse("sharing_catalog:submission_export", args=[submission.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("法定代表人身份证号码")] == id_number(1)


def test_a_token_moved_to_another_field_does_not_open():
    fields = [
        SchemaField(key="legal_id", field_type="id_number", is_sensitive=True),
        SchemaField(key="phone", field_type="phone", is_sensitive=True),
    ]
    codec = RecordCodec(fields)
    sealed = codec.seal({"legal_id": "430104199001011234", "phone": "13812341234"})
    assert codec.open(sealed) == {"legal_id": "430104199001011234", "phone": "13812341234"}
    with pytest.raises(DecryptionError):
        FieldCipher(context=field_context("phone")).decrypt(sealed["legal_id"])
    assert codec.open({"phone": sealed["legal_id"]}) == {"phone": "（无法解密）"}


@pytest.mark.parametrize(
    "value",
    ['"', 'a"b', "back\\slash", "行\n换", "", "蒸湘 0734", 5, 1.5, None, True, ["x"], {"k": "v"}],
)
def test_every_sealed_value_opens_as_it_was(value):
    codec = RecordCodec([SchemaField(key="note", field_type="text", is_sensitive=True)])
    assert codec.open(codec.seal({"note": value})) == {"note": value}


def test_a_sensitive_unique_key_is_a_keyed_hash_and_versions_still_compare(client, roles):
    world = _world("credit_code", "legal_id")
    v1 = confirmed_version(world, [good_row(n) for n in range(1, 4)])
    for n, (key, text) in enumerate(_raw_rows(v1), start=1):
        assert HEX64.match(key)
        assert key == blind_index(credit_code(n), context=KEY_CONTEXT)
        assert credit_code(n) not in text

    # v2: row 1 changed, row 2 gone, row 4 new
    v2 = _ingest(world, [good_row(1, amount="999.00"), good_row(3), good_row(4)])
    assert v2.status == Submission.Status.VALIDATED
    v2 = submission_confirm(submission=v2, actor=world.liaison)
    diff = submission_diff(old=v1, new=v2, actor=world.liaison)
    assert [c.key for c in diff.changed] == [credit_code(1)]
    assert diff.changed[0].fields == ["amount"]
    assert [r["key"] for r in diff.added] == [credit_code(4)]
    assert [r["key"] for r in diff.removed] == [credit_code(2)]
    assert diff.unchanged == 1 and diff.masked is False

    # the consumer compares the same rows (under a declared purpose: the one read path) but
    # reads the key parts masked
    seen = submission_diff(old=v1, new=v2, actor=world.consumer_liaison, purpose="collection")
    assert seen.masked is True
    assert [r["key"] for r in seen.added] == [credit_code(4)[:8] + "********" + credit_code(4)[-2:]]
    assert seen.added[0]["data"]["legal_id"] == id_number(4)[:4] + "*" * 10 + id_number(4)[-4:]

    # the plausibility warning names the vanished row by its masked key, not by a hash
    vanished = next(w for w in v2.warnings if w["code"] == "keys_vanished")
    assert credit_code(2)[:8] + "********" in vanished["message"]
    assert not re.search(r"[0-9a-f]{64}", vanished["message"])
    assert credit_code(2) not in vanished["message"]


def test_duplicate_sensitive_keys_and_bad_sensitive_values_are_reported_masked(roles):
    world = _world("credit_code", "legal_id")
    bad = good_row(2)
    bad[5] = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")  # wrong check digit
    submission = _ingest(world, [good_row(1), good_row(1), bad])
    assert submission.status == Submission.Status.INVALID
    values = {e.field_label: e.value for e in submission.errors.all()}
    assert values["统一社会信用代码"] == credit_code(1)[:8] + "********" + credit_code(1)[-2:]
    assert values["法定代表人身份证号码"] == bad[5][:4] + "*" * 10 + bad[5][-4:]
    assert Record.objects.filter(submission=submission).count() == 0


def test_key_rotation_re_seals_every_record_and_the_old_key_can_then_go(client, roles, settings):
    world = _world("legal_id", "phone")
    submission = confirmed_version(world, [good_row(n) for n in range(1, 4)])
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], generate_key()

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "sharing_catalog.Record.data: 3 re-encrypted" in out.getvalue()
    new_id = key_id(base64.b64decode(new_key))
    for _key, text in _raw_rows(submission):
        data = json.loads(text)
        assert data["legal_id"].split(":")[1] == new_id
        assert data["phone"].split(":")[1] == new_id

    again = io.StringIO()
    call_command("rotate_field_keys", stdout=again)
    assert "sharing_catalog.Record.data: 0 re-encrypted" in again.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is retired
    _login(client, world.liaison)
    page = client.get(reverse("sharing_catalog:submission_records", args=[submission.pk]))
    assert page.status_code == 200
    assert id_number(3) in page.content.decode()


def test_rows_stored_before_encryption_are_sealed_and_rekeyed_by_rotation(client, roles):
    world = _world()
    submission = confirmed_version(world, [good_row(n) for n in range(1, 3)])
    # the schema's key and ID field are marked sensitive after the rows were stored in clear
    SchemaField.objects.filter(schema__item=world.item, key__in=["credit_code", "legal_id"]).update(
        is_sensitive=True
    )
    _login(client, world.liaison)
    url = reverse("sharing_catalog:submission_records", args=[submission.pk])
    assert id_number(1) in client.get(url).content.decode()  # legacy rows still read

    call_command("rotate_field_keys", stdout=io.StringIO())
    for n, (key, text) in enumerate(_raw_rows(submission), start=1):
        assert key == blind_index(credit_code(n), context=KEY_CONTEXT)
        assert id_number(n) not in text and credit_code(n) not in text
    assert id_number(1) in client.get(url).content.decode()


def test_a_value_that_looks_like_a_token_is_still_sealed_and_read_back_as_typed(client, roles):
    world = _world("name")
    row = good_row(1)
    row[1] = "enc1:deadbeef:AAAA"
    submission = confirmed_version(world, [row])
    [(_key, text)] = _raw_rows(submission)
    assert json.loads(text)["name"] != "enc1:deadbeef:AAAA"
    _login(client, world.liaison)
    page = client.get(reverse("sharing_catalog:submission_records", args=[submission.pk]))
    assert "enc1:deadbeef:AAAA" in page.content.decode()


def test_a_row_sealed_with_a_retired_key_shows_a_notice_not_an_error(client, roles, settings):
    world = _world("legal_id")
    submission = confirmed_version(world, [good_row(1)])
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]  # the old key removed before rotating
    _login(client, world.liaison)
    page = client.get(reverse("sharing_catalog:submission_records", args=[submission.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "（无法解密）" in body and id_number(1) not in body


def test_rotation_leaves_a_value_it_cannot_open_untouched(roles, settings):
    world = _world("legal_id")
    submission = confirmed_version(world, [good_row(1)])
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    [(_key, before)] = _raw_rows(submission)
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]  # the old key dropped too early
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "sharing_catalog.Record.data: 0 re-encrypted" in out.getvalue()
    [(_key, after)] = _raw_rows(submission)
    assert json.loads(after)["legal_id"] == json.loads(before)["legal_id"]
    settings.FIELD_ENCRYPTION_KEYS = [generate_key(), old_key]  # put back: still recoverable
    record = Record.objects.get(submission=submission)
    assert RecordCodec.for_schema(submission.schema).open(record.data)["legal_id"] == id_number(1)
