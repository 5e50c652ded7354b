"""The ledger chain under concurrency, failure and tampering (Art. 22: 事后能追溯)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from tests.conftest import require
from tests.factories import UnitFactory, UserFactory
from tests.ledger.tampering import beneath
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.chain import compute_hash, entry_fields
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append, ledger_verify


@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_keep_the_chain_intact_and_gapless():
    require(connection.vendor == "postgresql", "concurrency needs PostgreSQL (DATABASE_URL)")
    # given eight threads, each with its own connection, appending 15 entries at once
    threads_n, per_thread = 8, 15
    unit = UnitFactory()
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    ledger_append(action=LedgerAction.UPLOAD, unit=unit, details={"t": n, "i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every entry was written, seq has no gap, and every link holds
    assert errors == []
    seqs = list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_n * per_thread + 1))
    result = ledger_verify()
    assert result.ok, result
    assert result.checked == threads_n * per_thread


@pytest.mark.django_db
def test_a_failing_ledger_write_rolls_the_action_back(monkeypatch):
    # given an action that changes a unit and then writes its ledger entry
    unit = UnitFactory(name="原名称")
    actor = UserFactory(unit=unit)

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("ledger table unavailable")

    monkeypatch.setattr(LedgerEntry, "save", broken_save)

    @transaction.atomic
    def rename_unit():
        unit.name = "新名称"
        unit.save(update_fields=["name"])
        ledger_append(action=LedgerAction.ACCOUNT, actor=actor, target=unit)

    # when the ledger cannot be written
    with pytest.raises(RuntimeError):
        rename_unit()
    # then the action did not happen either (fail closed)
    unit.refresh_from_db()
    assert unit.name == "原名称"
    assert LedgerEntry.objects.count() == 0


@pytest.mark.django_db
def test_verify_names_an_inserted_entry():
    # given an intact chain of three
    actor = UserFactory(unit=UnitFactory())
    entries = [ledger_append(action=LedgerAction.UPLOAD, actor=actor) for _ in range(3)]
    # when someone forges an entry between #1 and #2 (shifting #2 and #3 up, hashes recomputed
    # for the forged one so it looks valid on its own)
    beneath("UPDATE ledger_ledgerentry SET seq = seq + 10 WHERE seq >= 2", [])
    beneath("UPDATE ledger_ledgerentry SET seq = seq - 9 WHERE seq >= 12", [])
    forged = LedgerEntry(
        seq=2,
        created_at=entries[0].created_at,
        category=entries[0].category,
        action=LedgerAction.DOWNLOAD,
        actor=actor,
        actor_label=actor.username,
        unit=actor.unit,
        hash_algo=entries[0].hash_algo,
        prev_hash=entries[0].entry_hash,
    )
    forged.entry_hash = compute_hash(entry_fields(forged), forged.hash_algo)
    forged.save(force_insert=True)
    # then verification names the first entry after the forged one, whose link no longer holds
    result = ledger_verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.reason == "broken link"
