"""Appending to the ledger, verifying its chain, and publishing daily chain heads."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from zhengxiang_portal.core.network import current_client_ip

from . import heads
from .actions import LedgerAction, LedgerCategory
from .chain import (
    GENESIS_HASH,
    compute_hash,
    digest_fields,
    entry_fields,
    is_keyed,
    ledger_key,
    preferred_algorithm,
)
from .models import SYSTEM_ACTOR_LABEL, LedgerDailyDigest, LedgerEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from agencies.models import User

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


# Apps that derive state from what happened (the assessment's scores) listen to the kinds of
# entry that record a change of fact. A listener runs inside the appending transaction and must
# only schedule work (`transaction.on_commit`), never fail or write.
_listeners: list[tuple[frozenset[str], Callable[[LedgerEntry], None]]] = []


def register_ledger_listener(*, actions: Iterable[str], listener: Callable[[LedgerEntry], None]):
    """Call `listener(entry)` for every appended entry whose action is one of `actions`."""
    entry = (frozenset(str(a) for a in actions), listener)
    if entry not in _listeners:
        _listeners.append(entry)


@transaction.atomic
def ledger_append(
    *,
    action: str,
    # who: an account, the anonymous visitor, a label ("system", the username a failed login
    # typed), or nobody (the system)
    actor: User | AnonymousUser | str | None = None,
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
        # helper that decides which X-Forwarded-For to believe (core.network.client_ip).
        ip_address = current_client_ip.get()
    _lock_chain()
    head = LedgerEntry.objects.order_by("-seq").only("seq", "entry_hash", "hash_algo").first()
    if head is not None and not is_keyed(head.hash_algo):
        # The first keyed entry after an unkeyed chain (a database from before issue 15) marks
        # the epoch: from here on every entry is keyed, and the old part verifies as before.
        head = _write_entry(
            head=head,
            action=LedgerAction.CHAIN_EPOCH,
            category=LedgerCategory.AUDIT,
            actor_label=SYSTEM_ACTOR_LABEL,
            details={"event": "keyed_chain_starts", "algorithm": preferred_algorithm()},
        )
    actor_obj = (
        actor
        if actor is not None and not isinstance(actor, str) and actor.is_authenticated
        else None
    )
    if unit is None and actor_obj is not None:
        unit = getattr(actor_obj, "unit", None)
    return _write_entry(
        head=head,
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
    )


def _write_entry(*, head: LedgerEntry | None, **values: Any) -> LedgerEntry:
    """Link one entry to `head`, key its hash, insert it, and log the new head after commit."""
    entry = LedgerEntry(
        seq=(head.seq + 1) if head else 1,
        created_at=timezone.now(),
        hash_algo=preferred_algorithm(),
        prev_hash=head.entry_hash if head else GENESIS_HASH,
        **values,
    )
    entry.entry_hash = compute_hash(entry_fields(entry), entry.hash_algo)
    entry.save(force_insert=True)
    seq, entry_hash, at = entry.seq, entry.entry_hash, entry.created_at.isoformat()
    transaction.on_commit(lambda: heads.record_entry(seq=seq, entry_hash=entry_hash, at=at))
    for actions, listener in _listeners:
        if entry.action in actions:
            listener(entry)
    return entry


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def ledger_verify(
    *, batch_size: int = 5000, head_log: heads.HeadLog | None = None
) -> VerificationResult:
    """Recompute every entry's keyed hash and link; compare with the head log and the digests.

    Names what happened (`reason`): an altered entry ("content altered"), a removed one ("missing
    entry", or "broken link" when the numbers were closed up), an entry forged without the key
    after the log's last head ("forged entry"), or unkeyed after the keyed epoch ("unkeyed entry
    after the keyed epoch"), a chain that differs from the heads recorded outside the database
    ("rewritten"), a tail missing that the head log recorded ("truncated tail"), and a daily
    digest that does not match, was deleted or was not signed with the key.
    """
    log = head_log if head_log is not None else heads.read_head_log()
    if log.bad_lines:
        return VerificationResult(False, 0, None, f"head log unreadable at line {log.bad_lines[0]}")
    key = ledger_key()
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    keyed_since: int | None = None
    chain_heads: dict[int, str] = {}
    digest_seqs = set(LedgerDailyDigest.objects.values_list("last_seq", flat=True))

    def bad(seq: int | None, reason: str) -> VerificationResult:
        return VerificationResult(False, checked, seq, reason)

    queryset = LedgerEntry.objects.select_related("target_type").order_by("seq")
    for entry in queryset.iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return bad(expected_seq, "missing entry")
        if entry.prev_hash != prev_hash:
            return bad(entry.seq, "broken link")
        if is_keyed(entry.hash_algo):
            if not key:
                return bad(entry.seq, "LEDGER_HMAC_KEY not set: keyed entries cannot be verified")
            keyed_since = keyed_since or entry.seq
        elif keyed_since is not None:
            return bad(entry.seq, "unkeyed entry after the keyed epoch (forged without the key)")
        try:
            recomputed = compute_hash(entry_fields(entry), entry.hash_algo, key=key)
        except ValueError:  # an algorithm name this platform does not know: forged
            recomputed = ""
        if recomputed != entry.entry_hash:
            beyond = entry.seq > log.last_seq and log.entries
            return bad(
                entry.seq,
                "forged entry (not signed with the ledger key)" if beyond else "content altered",
            )
        recorded = log.entries.get(entry.seq)
        if recorded is not None and recorded != entry.entry_hash:
            return bad(entry.seq, "rewritten (differs from the head recorded outside the database)")
        if entry.seq in digest_seqs:
            chain_heads[entry.seq] = entry.entry_hash
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    if checked and key and keyed_since is None:
        return bad(checked, "chain head not keyed (rewritten or forged without the key)")
    if log.last_seq >= expected_seq:
        return bad(
            expected_seq,
            f"truncated tail: the head log records #{log.last_seq}, the ledger ends at "
            f"#{expected_seq - 1}",
        )
    return _verify_digests(log=log, chain_heads=chain_heads, checked=checked, key=key)


def _verify_digests(
    *, log: heads.HeadLog, chain_heads: dict[int, str], checked: int, key: bytes
) -> VerificationResult:
    digests = list(LedgerDailyDigest.objects.order_by("day"))
    days = {d.day.isoformat() for d in digests}
    for day, (last_seq, _head) in sorted(log.digests.items()):
        if day not in days:
            return VerificationResult(False, checked, last_seq, f"daily digest of {day} deleted")
    for earlier, later in itertools.pairwise(digests):
        gap = (later.day - earlier.day).days
        if gap > 1:
            missing = earlier.day + dt.timedelta(days=1)
            return VerificationResult(
                False, checked, later.last_seq, f"daily digest of {missing} deleted"
            )
    for digest in digests:
        if chain_heads.get(digest.last_seq) != digest.head_hash:
            return VerificationResult(
                False, checked, digest.last_seq, f"daily digest of {digest.day} does not match"
            )
        if is_keyed(digest.hash_algo) and digest.signature != compute_hash(
            digest_fields(digest), digest.hash_algo, key=key
        ):
            return VerificationResult(
                False, checked, digest.last_seq, f"daily digest of {digest.day} forged"
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
    digest = LedgerDailyDigest(
        day=day,
        last_seq=head.seq,
        head_hash=head.entry_hash,
        hash_algo=head.hash_algo,
        entry_count=count,
    )
    if is_keyed(digest.hash_algo):
        digest.signature = compute_hash(digest_fields(digest), digest.hash_algo)
    digest.save(force_insert=True)
    day_s, last_seq, head_hash, signature = (
        day.isoformat(),
        digest.last_seq,
        digest.head_hash,
        digest.signature,
    )
    transaction.on_commit(
        lambda: heads.record_digest(
            day=day_s, last_seq=last_seq, head_hash=head_hash, signature=signature
        )
    )
    return digest


def ledger_days_without_digest(*, until: dt.date) -> list[dt.date]:
    """The days up to `until` that have no digest yet, after the last one (beat catches up)."""
    last = LedgerDailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return [until]
    return [last + dt.timedelta(days=n) for n in range(1, (until - last).days + 1)]
