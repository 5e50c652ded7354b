"""Appending to the ledger, verifying its chain, and publishing daily chain heads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from .actions import LedgerCategory
from .chain import GENESIS_HASH, compute_hash, entry_fields, preferred_algorithm
from .models import LedgerDailyDigest, LedgerEntry

# Arbitrary constant naming the ledger's PostgreSQL advisory lock; any fixed 64-bit value works.
_LEDGER_LOCK_ID = 0x7A58_4C45_4447_4552


def _lock_chain() -> None:
    """Serialise appenders so each entry links to the true predecessor.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the settings open every transaction
    with BEGIN IMMEDIATE, which already serialises writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK_ID])


@transaction.atomic
def ledger_append(
    *,
    action: str,
    actor: Any = None,
    unit: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    digest: str = "",
    details: dict | None = None,
    category: str = LedgerCategory.TRANSFER,
    outcome: str = "success",
    ip_address: str | None = None,
) -> LedgerEntry:
    """Append one entry, linked to the chain head, inside the caller's transaction.

    If the entry cannot be written the caller's whole action rolls back (fail closed).
    """
    if ip_address is None:
        # From where (等保 8.1.4.3): the current request's client address, through the one
        # helper that decides which X-Forwarded-For to believe (security.network.client_ip).
        from zhengxiang_portal.security.network import current_client_ip

        ip_address = current_client_ip.get()
    _lock_chain()
    head = LedgerEntry.objects.order_by("-seq").only("seq", "entry_hash").first()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    if unit is None and actor_obj is not None:
        unit = getattr(actor_obj, "unit", None)
    entry = LedgerEntry(
        seq=(head.seq + 1) if head else 1,
        created_at=timezone.now(),
        category=category,
        action=str(action),
        outcome=outcome,
        actor=actor_obj,
        actor_label=(actor_obj.get_username() if actor_obj else str(actor or ""))[:150],
        unit=unit,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=(target_label or (str(target) if target is not None else ""))[:300],
        digest=digest,
        details=details or {},
        ip_address=ip_address,
        hash_algo=preferred_algorithm(),
        prev_hash=head.entry_hash if head else GENESIS_HASH,
    )
    entry.entry_hash = compute_hash(entry_fields(entry), entry.hash_algo)
    entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def ledger_verify(*, batch_size: int = 5000) -> VerificationResult:
    """Recompute every entry's hash and link; report the first entry that does not fit.

    Detects an altered entry (its hash no longer matches), a removed one (a gap in `seq`, or the
    successor's `prev_hash` no longer matching) and an inserted one (same). Published daily
    digests are checked against the chain too, so a rewrite of the whole table shows.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    heads: dict[int, str] = {}
    digest_seqs = set(LedgerDailyDigest.objects.values_list("last_seq", flat=True))
    queryset = LedgerEntry.objects.select_related("target_type").order_by("seq")
    for entry in queryset.iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return VerificationResult(False, checked, expected_seq, "missing entry")
        if entry.prev_hash != prev_hash:
            return VerificationResult(False, checked, entry.seq, "broken link")
        if compute_hash(entry_fields(entry), entry.hash_algo) != entry.entry_hash:
            return VerificationResult(False, checked, entry.seq, "content altered")
        if entry.seq in digest_seqs:
            heads[entry.seq] = entry.entry_hash
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    for digest in LedgerDailyDigest.objects.all():
        if heads.get(digest.last_seq) != digest.head_hash:
            return VerificationResult(
                False, checked, digest.last_seq, f"daily digest of {digest.day} does not match"
            )
    return VerificationResult(True, checked)


@transaction.atomic
def ledger_publish_daily_digest(*, day: dt.date) -> LedgerDailyDigest | None:
    """Record the chain head as of the end of `day` (local time); idempotent per day."""
    existing = LedgerDailyDigest.objects.filter(day=day).first()
    if existing:
        return existing
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    start = end - dt.timedelta(days=1)
    head = LedgerEntry.objects.filter(created_at__lt=end).order_by("-seq").first()
    if head is None:
        return None
    count = LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=end).count()
    return LedgerDailyDigest.objects.create(
        day=day,
        last_seq=head.seq,
        head_hash=head.entry_hash,
        hash_algo=head.hash_algo,
        entry_count=count,
    )
