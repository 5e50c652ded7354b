"""Field encryption at rest (AES-256-GCM), blind index, key rotation, masking."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from tests.factories import UserFactory
from zhengxiang_portal.notifications.models import Notification
from zhengxiang_portal.security import crypto
from zhengxiang_portal.security.checks import check_field_keys
from zhengxiang_portal.security.masking import mask_value

OLD = base64.b64encode(b"O" * 32).decode()
NEW = base64.b64encode(b"N" * 32).decode()
ID = "430408199001011234"


def test_round_trip_and_random_nonce():
    a = crypto.encrypt_value(ID, context="row.id_number")
    b = crypto.encrypt_value(ID, context="row.id_number")
    assert a != b and ID not in a and crypto.is_encrypted(a)
    assert crypto.decrypt_value(a, context="row.id_number") == ID


def test_value_moved_to_another_field_does_not_decrypt():
    token = crypto.encrypt_value(ID, context="row.id_number")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_value(token, context="row.phone")


def test_altered_ciphertext_is_detected():
    token = crypto.encrypt_value(ID)
    prefix, kid, body = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_value(f"{prefix}:{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}")


def test_old_keys_still_decrypt_during_rotation(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    token = crypto.encrypt_value(ID)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert crypto.decrypt_value(token) == ID and crypto.needs_rotation(token)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_value(token)


def test_missing_or_malformed_keys_are_configuration_errors(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt_value("x")
    settings.FIELD_ENCRYPTION_KEYS = [base64.b64encode(b"short").decode()]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt_value("x")


def test_blind_index_is_deterministic_keyed_and_normalised(settings):
    a = crypto.blind_index("91430400MA4L1234X", context="credit_code")
    assert a == crypto.blind_index(" 91430400ma4l1234x ", context="credit_code")
    assert a != crypto.blind_index("91430400MA4L1234X", context="other")
    settings.FIELD_HASH_KEY = "another-key"
    assert a != crypto.blind_index("91430400MA4L1234X", context="credit_code")
    assert len(a) == 64


@pytest.mark.django_db
def test_rotate_field_keys_reencrypts_registered_columns(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    user = UserFactory()
    notes = [
        Notification.objects.create(
            recipient=user,
            key=f"k{i}",
            subject="s",
            body=crypto.encrypt_value(f"v{i}", context="c"),
        )
        for i in range(3)
    ]
    crypto.register_encrypted_field("notifications.Notification", "body", context="c")
    try:
        settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
        call_command("rotate_field_keys", verbosity=0)
        settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key can now be dropped
        for i, note in enumerate(notes):
            note.refresh_from_db()
            assert crypto.decrypt_value(note.body, context="c") == f"v{i}"
            assert not crypto.needs_rotation(note.body)
        # Idempotent: a second run changes nothing.
        before = list(Notification.objects.values_list("body", flat=True))
        call_command("rotate_field_keys", verbosity=0)
        assert list(Notification.objects.values_list("body", flat=True)) == before
    finally:
        crypto.unregister_encrypted_field("notifications.Notification", "body")


def test_rotate_field_keys_generates_a_valid_key(capsys, settings):
    call_command("rotate_field_keys", "--generate")
    key = capsys.readouterr().out.strip()
    settings.FIELD_ENCRYPTION_KEYS = [key]
    assert crypto.decrypt_value(crypto.encrypt_value("x")) == "x"


def test_deploy_check_requires_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_HASH_KEY = ""
    settings.PORTAL_DEMO_MODE = False
    assert {e.id for e in check_field_keys(None)} == {"security.E001", "security.E002"}


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("id_number", "430408199001011234", "4304**********1234"),
        ("phone", "13812341234", "138****1234"),
        ("phone", "138-1234-1234", "138****1234"),
        ("bank_account", "6222 0212 3456 7890", "************7890"),
        ("credit_code", "91430400MA4L1234XY", "91430400********XY"),
        ("name", "王丽华", "王**"),
        # A value handed to the masking function is sensitive: a type without its own mask keeps
        # only the last 4 characters (a sensitive free-text or account field), never all of it.
        ("text", "6222021234567890123", "***************0123"),
        ("text", "不敏感", "**感"),
        ("id_number", "", ""),
        ("id_number", None, ""),
    ],
)
def test_mask_value(kind, value, masked):
    assert mask_value(value, kind) == masked
