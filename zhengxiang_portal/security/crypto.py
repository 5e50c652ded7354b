"""Field encryption at rest, keyed hashes and key rotation (issue 7 item 8; Art. 24).

Use it for every value the catalog schema marks sensitive (ID numbers, phones, bank accounts):

    from zhengxiang_portal.security.crypto import encrypt_value, decrypt_value, blind_index

    stored = encrypt_value("430421199001011234", context="sharing_catalog.row.id_number")
    plain = decrypt_value(stored, context="sharing_catalog.row.id_number")
    key = blind_index("430421199001011234", context="sharing_catalog.row.id_number")

- `encrypt_value(text, context="") -> str`: AES-256-GCM with a fresh 96-bit nonce; the result is
  ASCII text "enc1:<key id>:<base64 nonce+ciphertext>", safe for CharField/TextField/JSON. The
  `context` is bound as associated data, so a value copied into another field fails to decrypt.
  Ciphertext is longer than the value (about 4/3 × len + 50 characters): size columns for it.
- `decrypt_value(token, context="") -> str`: any key in FIELD_ENCRYPTION_KEYS can decrypt (the key
  id says which), so old rows stay readable during rotation; raises `DecryptionError` otherwise.
- `blind_index(value, context="") -> str`: HMAC-SHA256 with FIELD_HASH_KEY (64 hex characters).
  Store it beside the ciphertext wherever the value is part of a unique key or is searched for
  by equality; ciphertexts are randomised, so they cannot be compared.
- `is_encrypted(value)` / `needs_rotation(token)`: for migrations and the rotation command.
- `register_encrypted_field("app_label.Model", "field", context=...)`: declare a column holding
  tokens, so `manage.py rotate_field_keys` re-encrypts it with the current key.
  `register_rotation(name, fn)`: for values kept elsewhere (e.g. inside a JSON row), `fn(rotate)`
  must call `rotate(token, context)` on each stored token and save the result; return the count.

Keys come from the environment only: FIELD_ENCRYPTION_KEYS (comma-separated, base64 of 32 bytes,
first = current) and FIELD_HASH_KEY. Rotation: put a new key first, keep the old ones after it,
run `manage.py rotate_field_keys`, then drop the old key (docs/SECURITY.md). FIELD_HASH_KEY cannot
be rotated without recomputing every blind index, so it is generated once per deployment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
_NONCE_BYTES = 12  # 96-bit nonce, the size GCM is defined for
_URLSAFE = bytes.maketrans(b"+/", b"-_")


class DecryptionError(ValueError):
    """The token is not ours, was altered, or its key is no longer configured."""


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each key must be base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each key must be 32 bytes (AES-256)")
    return raw


def key_id(key: bytes) -> str:
    """A short public name for a key (not secret: a hash prefix)."""
    return hashlib.sha256(b"zx-field-key" + key).hexdigest()[:8]


def _keys() -> list[tuple[str, bytes]]:
    configured = [k for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k.strip()]
    if not configured:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is not set")
    return [(key_id(raw), raw) for raw in (_decode_key(k) for k in configured)]


def generate_key() -> str:
    """A new random key, in the form FIELD_ENCRYPTION_KEYS expects."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


def is_encrypted(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


class FieldCipher:
    """Encrypt and decrypt for one context with the keys resolved once (hot loops use this).

    `encrypt_value`/`decrypt_value` build one per call; ingestion builds one per field and file.
    """

    def __init__(self, *, context: str = "") -> None:
        keys = _keys()
        self._aad = context.encode("utf-8")
        self._current_id = keys[0][0]
        self._by_id = {kid: AESGCM(raw) for kid, raw in keys}
        self._current = self._by_id[self._current_id]
        self._head = f"{PREFIX}:{self._current_id}:"

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.encrypt(nonce, str(value).encode("utf-8"), self._aad)
        # urlsafe base64 spelled out: base64.urlsafe_b64encode costs a third more per call
        body = binascii.b2a_base64(nonce + sealed, newline=False).translate(_URLSAFE)
        return self._head + body.decode("ascii")

    def encrypt_many(self, values: list[bytes]) -> list[str]:
        """`encrypt` for many UTF-8 values at once: one call for all the nonces (each still a
        fresh 96-bit random value) and no per-value method lookups; ingestion seals a batch of
        rows' field this way."""
        if not values:
            return []
        nonces = os.urandom(_NONCE_BYTES * len(values))
        seal, aad, b2a = self._current.encrypt, self._aad, binascii.b2a_base64
        bodies = []
        for start, value in zip(range(0, len(nonces), _NONCE_BYTES), values, strict=True):
            nonce = nonces[start : start + _NONCE_BYTES]
            bodies.append(b2a(nonce + seal(nonce, value, aad), newline=False))
        # base64 never holds a space: the bodies are made URL-safe and decoded in one go
        joined = b" ".join(bodies).translate(_URLSAFE).decode("ascii")
        return list(map(self._head.__add__, joined.split(" ")))

    def decrypt(self, token: str) -> str:
        try:
            prefix, kid, body = token.split(":", 2)
            blob = base64.urlsafe_b64decode(body.encode("ascii"))
        except (AttributeError, ValueError, binascii.Error) as exc:
            raise DecryptionError("not an encrypted value") from exc
        if prefix != PREFIX:
            raise DecryptionError("not an encrypted value")
        aead = self._by_id.get(kid)
        if aead is None:
            raise DecryptionError(f"key {kid} is not configured")
        try:
            plain = aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], self._aad)
        except InvalidTag as exc:
            raise DecryptionError("value altered or wrong context") from exc
        return plain.decode("utf-8")

    def is_current(self, token: str) -> bool:
        """True when `token` is already sealed with the current key."""
        return is_encrypted(token) and token.split(":", 2)[1] == self._current_id


def encrypt_value(value: str, *, context: str = "") -> str:
    """Encrypt `value` with the current key; `context` is authenticated, not stored."""
    return FieldCipher(context=context).encrypt(value)


def decrypt_value(token: str, *, context: str = "") -> str:
    """Decrypt a token made by `encrypt_value` with any configured key."""
    return FieldCipher(context=context).decrypt(token)


def needs_rotation(token: str) -> bool:
    """True when `token` was encrypted with a key other than the current one."""
    return is_encrypted(token) and token.split(":", 2)[1] != _keys()[0][0]


def rotate_token(token: str, *, context: str = "") -> str:
    """Re-encrypt `token` under the current key (unchanged if it already uses it)."""
    if not needs_rotation(token):
        return token
    return encrypt_value(decrypt_value(token, context=context), context=context)


def blind_index(value: str, *, context: str = "") -> str:
    """HMAC-SHA256 of the normalised value, for uniqueness and equality search."""
    secret = getattr(settings, "FIELD_HASH_KEY", "")
    if not secret:
        raise ImproperlyConfigured("FIELD_HASH_KEY is not set")
    message = context.encode("utf-8") + b"\x00" + str(value).strip().upper().encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class EncryptedColumn:
    model: str  # "app_label.ModelName"
    field: str
    context: str = ""


_columns: dict[tuple[str, str], EncryptedColumn] = {}
_rotations: dict[str, Callable[[Callable[[str, str], str]], int]] = {}


def register_encrypted_field(model: str, field: str, *, context: str = "") -> None:
    """Declare that `model.field` stores tokens from `encrypt_value` (for rotation)."""
    _columns[(model, field)] = EncryptedColumn(model, field, context)


def unregister_encrypted_field(model: str, field: str) -> None:
    _columns.pop((model, field), None)


def register_rotation(name: str, fn: Callable[[Callable[[str, str], str]], int]) -> None:
    """Declare a custom re-encryption walk (values inside JSON rows and the like)."""
    _rotations[name] = fn


def encrypted_columns() -> list[EncryptedColumn]:
    return list(_columns.values())


def rotations() -> dict[str, Callable[[Callable[[str, str], str]], int]]:
    return dict(_rotations)
