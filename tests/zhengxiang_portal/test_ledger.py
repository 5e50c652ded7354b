"""The hash-chained, append-only ledger (台账, Art. 22)."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tests.factories import UnitFactory, UserFactory
from tests.ledger.tampering import beneath
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.chain import GENESIS_HASH, preferred_algorithm
from zhengxiang_portal.ledger.models import AppendOnlyError, LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append, ledger_verify

pytestmark = pytest.mark.django_db


def _three_entries():
    actor = UserFactory(unit=UnitFactory())
    return [
        ledger_append(action=LedgerAction.UPLOAD, actor=actor, target=actor.unit, digest="a" * 64),
        ledger_append(action=LedgerAction.CONFIRM, actor=actor, target=actor.unit),
        ledger_append(action=LedgerAction.DOWNLOAD, actor=actor, details={"rows": 3}),
    ]


def test_entries_link_to_their_predecessor_with_the_platform_hash():
    first, second, third = _three_entries()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert {e.hash_algo for e in (first, second, third)} == {preferred_algorithm()}
    assert ledger_verify().ok


def test_the_model_refuses_updates_and_deletes():
    entry = _three_entries()[0]
    entry.target_repr = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.update(target_repr="x")


def test_the_database_refuses_updates_beneath_the_application():
    _three_entries()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET target_repr = 'x' WHERE seq = 1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE seq = 1")


def test_verify_names_an_altered_entry():
    _three_entries()
    beneath("UPDATE ledger_ledgerentry SET digest = %s WHERE seq = 2", ["b" * 64])
    result = ledger_verify()
    assert not result.ok
    assert result.first_bad_seq == 2
    with pytest.raises(Exception, match="#2"):
        call_command("verify_ledger")


def test_verify_names_a_removed_entry():
    _three_entries()
    beneath("DELETE FROM ledger_ledgerentry WHERE seq = 2", [])
    result = ledger_verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_verify_passes_an_intact_chain(capsys):
    _three_entries()
    call_command("verify_ledger")
    assert "3 entries verified" in capsys.readouterr().out


def test_a_failed_action_leaves_no_entry():
    actor = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger_append(action=LedgerAction.CONFIRM, actor=actor)
        raise RuntimeError("the action failed after writing its ledger entry")
    assert LedgerEntry.objects.count() == 0
