"""How records are kept at rest: sensitive fields encrypted, sensitive keys blind-indexed.

Art. 24 (data security) and issue 7 item 8. A schema field marked `is_sensitive` (ID numbers,
phones, account numbers) is stored in `Record.data` as an AES-256-GCM token from
`zhengxiang_portal.security.crypto`, its JSON value sealed with the field's own context, so a
token copied into another field does not open. Where such a field is part of the unique key,
`Record.unique_key` holds a keyed hash (HMAC) of the key instead of the key itself: equal keys
still compare equal across versions (diffs, plausibility checks), but the column reveals nothing.

Every reader opens records through `RecordCodec.open` (pages, API, exports, diffs, objections)
and masks afterwards; `manage.py rotate_field_keys` re-seals old tokens and seals rows stored
before encryption was switched on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sharing_catalog.models import FieldType, Record, SchemaField, Submission
from zhengxiang_portal.security.crypto import (
    DecryptionError,
    FieldCipher,
    blind_index,
    is_encrypted,
    register_rotation,
)

from .validation.rows import key_display, record_key

KEY_CONTEXT = "sharing_catalog.record.unique_key"
UNREADABLE = _("（无法解密）")
logger = logging.getLogger(__name__)
# One encoder for every value: json.dumps() with options builds a new encoder per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _encode_bytes(value: Any) -> bytes:
    """A value's JSON as UTF-8, as `seal` encodes it (orjson writes a string the same way)."""
    if value.__class__ is str:
        try:
            return orjson.dumps(value)
        except TypeError:  # a lone surrogate, which only the standard encoder writes
            pass
    return _encode(value).encode("utf-8")


def field_context(key: str) -> str:
    return f"sharing_catalog.record:{key}"


class RecordCodec:
    """Seal and open the records of one schema version.

    `fields` are SchemaField rows or validation FieldSpecs: anything with `key`, `field_type`,
    `is_unique_key` and `is_sensitive`.
    """

    def __init__(self, fields: Iterable[Any]) -> None:
        fields = list(fields)
        self.sensitive = [f.key for f in fields if f.is_sensitive]
        self.key_specs = [f for f in fields if f.is_unique_key]
        self.key_fields = [f.key for f in self.key_specs]
        self.decimal_fields = [f.key for f in fields if f.field_type == FieldType.DECIMAL]
        # The key is hashed when any part of it is sensitive; a schema without a declared key
        # uses the whole row as its key, which then holds the sensitive values too.
        self.hashes_key = any(f.is_sensitive for f in self.key_specs) or (
            not self.key_specs and bool(self.sensitive)
        )
        # One cipher per sensitive field, its keys resolved once (ingestion seals every row).
        self._ciphers = {key: FieldCipher(context=field_context(key)) for key in self.sensitive}

    @classmethod
    def for_schema(cls, schema: Any) -> RecordCodec:
        return cls(schema.fields.all())

    @property
    def key_config(self) -> tuple[tuple[str, ...], bool]:
        """Two codecs with the same config store comparable unique keys."""
        return tuple(self.key_fields), self.hashes_key

    # --- writing ---------------------------------------------------------------------------

    def seal(self, data: dict[str, Any]) -> dict[str, Any]:
        """Encrypt the sensitive values of a row in clear, in place; returns `data`.

        Every value is sealed, even one that looks like a token: what a user typed is never
        trusted to be ciphertext.
        """
        for key, cipher in self._ciphers.items():
            if key in data:
                data[key] = cipher.encrypt(_encode(data[key]))
        return data

    def seal_rows(self, rows: list[dict[str, Any]]) -> None:
        """`seal` for a batch of rows in clear, in place, one field at a time (FieldCipher's
        `encrypt_many`): the same tokens' form, a fraction of the per-value cost."""
        for key, cipher in self._ciphers.items():
            holders = [row for row in rows if key in row]
            if not holders:
                continue
            tokens = cipher.encrypt_many([_encode_bytes(row[key]) for row in holders])
            for row, token in zip(holders, tokens, strict=True):
                row[key] = token

    def stored_key(self, key: str) -> str:
        """What `Record.unique_key` holds for a key in clear."""
        return blind_index(key, context=KEY_CONTEXT) if self.hashes_key else key

    # --- reading ---------------------------------------------------------------------------

    def open(self, data: Mapping[str, Any], *, strict: bool = False) -> dict[str, Any]:
        """A copy of stored `data` with its sensitive values in clear (to be masked after).

        A value that does not open reads "（无法解密）"; `strict` raises DecryptionError instead.
        """
        out = dict(data)
        for key, cipher in self._ciphers.items():
            value = out.get(key)
            if not is_encrypted(value):
                continue  # stored before the field was marked sensitive: still in clear
            try:
                plain = cipher.decrypt(value)
                # a JSON string without escapes is its own text (IDs, phones): no parser needed
                if plain[:1] == '"' and plain[-1:] == '"' and "\\" not in plain and len(plain) > 1:
                    out[key] = plain[1:-1]
                else:
                    out[key] = json.loads(plain)
            except DecryptionError:
                if strict:
                    raise
                # A retired key or an altered row: say so on the page, loudly in the log.
                logger.error("record field %s could not be decrypted", key, exc_info=True)
                out[key] = str(UNREADABLE)
        return out

    def clear_key(self, data: Mapping[str, Any]) -> str:
        """The unique key of opened `data`, in clear (as the validator built it)."""
        return record_key(data, self.key_fields)

    def display_key(self, data: Mapping[str, Any], *, masked: bool = True) -> str:
        """The key as people read it ("A / B"): from opened data, sensitive parts masked."""
        return key_display(data, self.key_specs, masked=masked)

    # --- rotation --------------------------------------------------------------------------

    def reseal(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """Stored `data` re-sealed under the current key, or None when nothing is stale.

        Raises DecryptionError for a value no configured key opens: it is left as it is, so
        putting the retired key back still recovers it.
        """
        stale = [
            k for k in self.sensitive if k in data and not self._ciphers[k].is_current(data[k])
        ]
        if not stale:
            return None
        return self.seal(self.open(data, strict=True))


def rotate_records(batch: int = 1000) -> int:
    """Re-seal every record whose sensitive values are in clear or under an old key.

    Also rewrites `unique_key` to the keyed hash for such rows (rows stored before encryption
    was switched on hold their key in clear). Resumable: a row already current is skipped.
    """

    done = 0
    schemas = (
        SchemaField.objects.filter(is_sensitive=True).values_list("schema_id", flat=True).distinct()
    )
    submissions = Submission.objects.filter(schema_id__in=list(schemas)).select_related("schema")
    for submission in submissions.iterator():
        codec = RecordCodec.for_schema(submission.schema)
        last = 0
        while True:
            rows = list(
                Record.objects.filter(submission=submission, row_number__gt=last)
                .order_by("row_number")
                .only("pk", "row_number", "unique_key", "data")[:batch]
            )
            if not rows:
                break
            last = rows[-1].row_number
            changed = []
            for record in rows:
                try:
                    sealed = codec.reseal(record.data)
                except DecryptionError:
                    logger.error(
                        "record %s (submission %s) holds a value no configured key opens; "
                        "left unchanged",
                        record.row_number,
                        submission.pk,
                    )
                    continue
                if sealed is None:
                    continue
                record.data = sealed
                if codec.hashes_key:
                    record.unique_key = codec.stored_key(codec.clear_key(codec.open(sealed)))
                changed.append(record)
            if changed:
                with transaction.atomic():
                    Record.objects.bulk_update(changed, ["data", "unique_key"])
                done += len(changed)
    return done


def register() -> None:
    """Put the records' walk into `manage.py rotate_field_keys` (called from the app's ready)."""
    register_rotation("sharing_catalog.Record.data", lambda _rotate: rotate_records())
