"""Evidence that survives its administrators (issue 15, "What was seen" 4).

The database owner can switch the triggers off and delete, change or add rows. The chain is keyed
(HMAC-SM3, key from the environment), each new head is appended to a file outside the database,
and the daily digests are signed and append-only: verify_ledger names what happened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from tests.factories import UnitFactory, UserFactory
from tests.ledger.tampering import beneath
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.chain import MissingKeyError, canonical_json, entry_fields
from zhengxiang_portal.ledger.heads import read_head_log
from zhengxiang_portal.ledger.models import LedgerDailyDigest, LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append, ledger_verify
from zhengxiang_portal.ledger.tasks import publish_daily_digest_task

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_ledger_export.py"


@pytest.fixture
def head_log(settings, tmp_path):
    settings.LEDGER_HEAD_LOG = str(tmp_path / "ledger-heads.log")
    return Path(settings.LEDGER_HEAD_LOG)


@pytest.fixture
def chain(head_log, django_capture_on_commit_callbacks):
    """Ten committed entries, each head in the head log."""
    actor = UserFactory(unit=UnitFactory())
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(10):
            ledger_append(action=LedgerAction.UPLOAD, actor=actor, details={"i": i})
    return list(LedgerEntry.objects.order_by("seq"))


def _unkeyed(entry: LedgerEntry, **changes) -> dict:
    """The entry rewritten by someone without the key: plain SM3, as hashlib gives it."""
    for name, value in changes.items():
        setattr(entry, name, value)
    entry.hash_algo = "sm3"
    fields = entry_fields(entry)
    entry.entry_hash = hashlib.new("sm3", canonical_json(fields).encode()).hexdigest()
    return {"hash_algo": entry.hash_algo, "entry_hash": entry.entry_hash}


def _raw_update(seq: int, **values) -> None:
    sets = ", ".join(f"{k} = %s" for k in values)
    params = [json.dumps(v) if isinstance(v, dict) else v for v in values.values()]
    beneath(f"UPDATE ledger_ledgerentry SET {sets} WHERE seq = %s", [*params, seq])  # noqa: S608


def _reason() -> str:
    result = ledger_verify()
    assert not result.ok
    with pytest.raises(CommandError, match=f"#{result.first_bad_seq}"):
        call_command("verify_ledger")
    return result.reason


def test_intact_chain_verifies_against_its_head_log(chain, head_log, capsys):
    assert read_head_log().entries == {e.seq: e.entry_hash for e in chain}
    assert {e.hash_algo for e in chain} == {"hmac-sm3"}
    call_command("verify_ledger")
    assert "10 entries verified, compared with" in capsys.readouterr().out


def test_an_altered_entry_is_named(chain):
    _raw_update(4, target_repr="改过")
    assert _reason() == "content altered"
    assert ledger_verify().first_bad_seq == 4


def test_a_deleted_middle_entry_is_named(chain):
    beneath("DELETE FROM ledger_ledgerentry WHERE seq = 5")
    result = ledger_verify()
    assert (result.first_bad_seq, result.reason) == (5, "missing entry")


def test_a_truncated_tail_is_named(chain):
    """Seen 4: deleting the last three entries gave "ledger intact"."""
    beneath("DELETE FROM ledger_ledgerentry WHERE seq >= 8")
    assert _reason().startswith("truncated tail: the head log records #10")


def test_a_forged_appended_entry_is_named(chain):
    """Seen 4: an entry appended with plain hashlib verified too."""
    head = chain[-1]
    forged = LedgerEntry(
        seq=11,
        created_at=head.created_at,
        category=head.category,
        action=LedgerAction.DOWNLOAD,
        actor_label="someone",
        prev_hash=head.entry_hash,
    )
    _unkeyed(forged)
    models.Model.save(forged, force_insert=True)
    assert _reason() == "unkeyed entry after the keyed epoch (forged without the key)"


def test_an_appended_entry_keyed_with_a_guessed_key_is_named(chain):
    import hmac

    head = chain[-1]
    forged = LedgerEntry(
        seq=11,
        created_at=head.created_at,
        category=head.category,
        action=LedgerAction.DOWNLOAD,
        hash_algo="hmac-sm3",
        prev_hash=head.entry_hash,
    )
    payload = canonical_json(entry_fields(forged)).encode()
    forged.entry_hash = hmac.new(b"guess", payload, "sm3").hexdigest()
    models.Model.save(forged, force_insert=True)
    assert _reason() == "forged entry (not signed with the ledger key)"


def _rewrite_without_the_key(entries, *, change_seq: int) -> None:
    """Change one entry and recompute every hash from `entries[0]` on, with plain SM3."""
    prev = (
        LedgerEntry.objects.get(seq=entries[0].seq - 1).entry_hash
        if entries[0].seq > 1
        else ("0" * 64)
    )
    for entry in entries:
        changes: dict = {"prev_hash": prev}
        if entry.seq == change_seq:
            changes["target_repr"] = "改过"
        _raw_update(entry.seq, **changes, **_unkeyed(entry, **changes))
        prev = entry.entry_hash


def test_a_changed_entry_with_every_later_hash_recomputed_is_named(chain):
    """Seen 4: changing entry 50 and recomputing 50–346 (without the key) verified."""
    _rewrite_without_the_key(chain[3:], change_seq=4)
    assert _reason() == "unkeyed entry after the keyed epoch (forged without the key)"
    assert ledger_verify().first_bad_seq == 4


@pytest.mark.parametrize("with_head_log", [True, False], ids=["head_log", "no_head_log"])
def test_a_full_rewrite_is_named(chain, settings, with_head_log):
    _rewrite_without_the_key(chain, change_seq=4)
    if with_head_log:
        assert _reason() == "rewritten (differs from the head recorded outside the database)"
    else:
        settings.LEDGER_HEAD_LOG = ""
        assert _reason() == "chain head not keyed (rewritten or forged without the key)"


def test_a_rewrite_with_another_key_differs_from_the_head_log(chain, settings):
    settings.LEDGER_HMAC_KEY = "the attacker's own key"
    prev = "0" * 64
    from zhengxiang_portal.ledger.chain import compute_hash

    for entry in chain:
        entry.prev_hash = prev
        entry.entry_hash = compute_hash(entry_fields(entry), entry.hash_algo)
        _raw_update(entry.seq, prev_hash=prev, entry_hash=entry.entry_hash)
        prev = entry.entry_hash
    # Verified with the attacker's key the chain holds, but not against the heads kept outside.
    assert (
        ledger_verify().reason == "rewritten (differs from the head recorded outside the database)"
    )


def _two_days_of_digests(capture):
    actor = UserFactory(unit=UnitFactory())
    with capture(execute=True):
        for day in (24, 25, 26):
            with time_machine.travel(dt.datetime(2026, 11, day, 15, 0, tzinfo=TZ), tick=False):
                ledger_append(action=LedgerAction.UPLOAD, actor=actor)
        with time_machine.travel(dt.datetime(2026, 11, 27, 0, 5, tzinfo=TZ), tick=False):
            publish_daily_digest_task()
        with time_machine.travel(dt.datetime(2026, 11, 28, 0, 5, tzinfo=TZ), tick=False):
            publish_daily_digest_task()
    return list(LedgerDailyDigest.objects.order_by("day"))


def test_a_deleted_digest_is_named(head_log, django_capture_on_commit_callbacks):
    """Seen 4: no trigger protected the digests; deleting them removed the last anchor."""
    digests = _two_days_of_digests(django_capture_on_commit_callbacks)
    assert [d.day.day for d in digests] == [26, 27]
    assert all(d.signature for d in digests) and ledger_verify().ok
    beneath("DELETE FROM ledger_ledgerdailydigest WHERE day = %s", [digests[-1].day])
    assert ledger_verify().reason == "daily digest of 2026-11-27 deleted"


def test_a_missed_day_is_published_late_so_a_gap_means_a_deleted_digest(
    head_log, django_capture_on_commit_callbacks, settings
):
    actor = UserFactory(unit=UnitFactory())
    with time_machine.travel(dt.datetime(2026, 11, 24, 15, 0, tzinfo=TZ), tick=False):
        ledger_append(action=LedgerAction.UPLOAD, actor=actor)
    with time_machine.travel(dt.datetime(2026, 11, 25, 0, 5, tzinfo=TZ), tick=False):
        publish_daily_digest_task()
    with time_machine.travel(dt.datetime(2026, 11, 28, 0, 5, tzinfo=TZ), tick=False):
        publish_daily_digest_task()  # the worker was down two nights
    days = [d.day.day for d in LedgerDailyDigest.objects.order_by("day")]
    assert days == [24, 25, 26, 27]
    settings.LEDGER_HEAD_LOG = ""  # the gap alone, without the head log
    beneath("DELETE FROM ledger_ledgerdailydigest WHERE day = '2026-11-25'")
    assert ledger_verify().reason == "daily digest of 2026-11-25 deleted"


def test_a_digest_made_up_without_the_key_is_named(head_log, django_capture_on_commit_callbacks):
    digests = _two_days_of_digests(django_capture_on_commit_callbacks)
    beneath(
        "UPDATE ledger_ledgerdailydigest SET signature = %s WHERE day = %s",
        ["f" * 64, digests[0].day],
    )
    assert ledger_verify().reason == "daily digest of 2026-11-26 forged"


def test_the_digest_table_is_append_only():
    from django.db import DatabaseError, transaction

    from zhengxiang_portal.ledger.models import AppendOnlyError

    actor = UserFactory(unit=UnitFactory())
    ledger_append(action=LedgerAction.UPLOAD, actor=actor)
    from zhengxiang_portal.ledger.services import ledger_publish_daily_digest

    digest = ledger_publish_daily_digest(day=timezone.localdate())
    with pytest.raises(AppendOnlyError):
        digest.delete()
    with pytest.raises(AppendOnlyError):
        LedgerDailyDigest.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        models.QuerySet(LedgerDailyDigest).all().delete()


def test_an_unkeyed_chain_from_before_continues_with_a_marked_keyed_epoch(head_log):
    # given a ledger written before the key existed (plain SM3)
    actor = UserFactory(unit=UnitFactory())
    old = [ledger_append(action=LedgerAction.UPLOAD, actor=actor) for _ in range(3)]
    prev = "0" * 64
    for entry in old:
        _raw_update(entry.seq, prev_hash=prev, **_unkeyed(entry, prev_hash=prev))
        prev = entry.entry_hash
    # when the upgraded portal appends
    new = ledger_append(action=LedgerAction.CONFIRM, actor=actor)
    # then the first keyed entry marks the epoch, the rest follows it, and the whole verifies
    epoch = LedgerEntry.objects.get(seq=4)
    assert (epoch.action, epoch.hash_algo, new.seq) == (LedgerAction.CHAIN_EPOCH, "hmac-sm3", 5)
    assert ledger_verify().ok
    # and the old part is still protected: changing it breaks the keyed link after it
    _raw_update(
        2, target_repr="改过", **_unkeyed(LedgerEntry.objects.get(seq=2), target_repr="改过")
    )
    assert (ledger_verify().first_bad_seq, ledger_verify().reason) == (3, "broken link")


def test_without_the_key_nothing_is_written_and_nothing_verifies(chain, settings):
    settings.LEDGER_HMAC_KEY = ""
    with pytest.raises(MissingKeyError):
        ledger_append(action=LedgerAction.UPLOAD, actor="x")
    assert LedgerEntry.objects.count() == 10
    assert ledger_verify().reason.startswith("LEDGER_HMAC_KEY not set")


def test_deploy_check_requires_the_ledger_key(settings):
    from zhengxiang_portal.security.checks import check_field_keys

    settings.LEDGER_HMAC_KEY = ""
    assert "security.E004" in {e.id for e in check_field_keys(None)}


def test_the_standalone_verifier_checks_keyed_exports_against_the_head_log(
    chain, head_log, tmp_path, settings
):
    from zhengxiang_portal.ledger.exports import export_csv

    path = tmp_path / "ledger.csv"
    key = tmp_path / "ledger.key"
    key.write_text(settings.LEDGER_HMAC_KEY + "\n")
    path.write_bytes(export_csv(LedgerEntry.objects.order_by("seq")[:7]))

    def run(*args):
        env = {k: v for k, v in os.environ.items() if k != "LEDGER_HMAC_KEY"}
        done = subprocess.run(
            [sys.executable, str(SCRIPT), str(path), *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        return done.returncode, done.stdout + done.stderr

    assert run("--key-file", str(key)) == (0, "7 entries verified\n")
    code, out = run()
    assert code == 1 and "give the key" in out
    code, out = run("--key-file", str(key), "--head-log", str(head_log), "--contiguous")
    assert code == 1 and "truncated tail: the head log records #10" in out
