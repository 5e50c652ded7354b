"""Hashing of ledger entries: the canonical form and the chain algorithm."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def preferred_algorithm() -> str:
    """SM3 (GB/T 32905) where the platform's OpenSSL offers it, else SHA-256."""
    try:
        hashlib.new("sm3")
    except ValueError:
        return "sha256"
    return "sm3"


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


def compute_hash(fields: dict[str, Any], algorithm: str) -> str:
    return hashlib.new(algorithm, canonical_json(fields).encode("utf-8")).hexdigest()
