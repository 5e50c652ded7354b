"""Hashing of ledger entries: the canonical form and the chain algorithm.

Since issue 15 the chain is keyed: `entry_hash` = HMAC-SM3(LEDGER_HMAC_KEY, canonical fields +
`prev_hash`), named "hmac-sm3" in `hash_algo` ("hmac-sha256" where OpenSSL lacks SM3). The key
comes from the environment, never from the database, so whoever owns the database can delete or
change rows but cannot make a changed chain verify. Entries written before the key existed keep
their plain algorithm ("sm3") and verify as before; the first keyed entry after them is an epoch
marker (LedgerAction.CHAIN_EPOCH), and after it every entry must be keyed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

GENESIS_HASH = "0" * 64
KEYED_PREFIX = "hmac-"


def base_algorithm() -> str:
    """SM3 (GB/T 32905) where the platform's OpenSSL offers it, else SHA-256."""
    try:
        hashlib.new("sm3")
    except ValueError:
        return "sha256"
    return "sm3"


def ledger_key() -> bytes:
    """The chain key from the settings (environment); empty when none is configured."""

    return str(getattr(settings, "LEDGER_HMAC_KEY", "") or "").encode("utf-8")


def preferred_algorithm() -> str:
    """The algorithm of a new entry: always keyed (appending without a key fails closed)."""
    return KEYED_PREFIX + base_algorithm()


def is_keyed(algorithm: str) -> bool:
    return algorithm.startswith(KEYED_PREFIX)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_fields(entry: Any) -> dict[str, Any]:
    """The fields an entry's hash covers, as plain values."""
    target_type = ""
    if entry.target_type_id:
        ct = entry.target_type
        target_type = f"{ct.app_label}.{ct.model}"
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "category": entry.category,
        "action": entry.action,
        "outcome": entry.outcome,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "unit_id": entry.unit_id,
        "target_type": target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "digest": entry.digest,
        "details": entry.details,
        "ip_address": entry.ip_address,
        "hash_algo": entry.hash_algo,
        "prev_hash": entry.prev_hash,
    }


class MissingKeyError(RuntimeError):
    """A keyed hash was asked for without LEDGER_HMAC_KEY (fail closed: nothing is written)."""


def compute_hash(fields: dict[str, Any], algorithm: str, key: bytes | None = None) -> str:
    """The entry (or digest) hash; keyed algorithms use `key`, else the configured key."""
    payload = canonical_json(fields).encode("utf-8")
    if is_keyed(algorithm):
        key = ledger_key() if key is None else key
        if not key:
            raise MissingKeyError("LEDGER_HMAC_KEY is not set: the ledger cannot be written")
        return hmac.new(key, payload, algorithm.removeprefix(KEYED_PREFIX)).hexdigest()
    return hashlib.new(algorithm, payload).hexdigest()


def digest_fields(digest: Any) -> dict[str, Any]:
    """What a daily digest's signature covers."""
    return {
        "day": digest.day.isoformat(),
        "last_seq": digest.last_seq,
        "head_hash": digest.head_hash,
        "hash_algo": digest.hash_algo,
        "entry_count": digest.entry_count,
    }
