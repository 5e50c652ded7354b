"""Banks' matters of Art. 8 (保全、强制执行、对账): seeded with their basis, counted like others."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine

from agencies.models import UnitKind
from collaboration.demo import MATTER_TYPES
from collaboration.models import MatterType
from collaboration.selectors import request_statistics
from collaboration.services import request_accept, request_answer
from tests.factories import CollaborationRequestFactory, UnitFactory, make_liaison

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))
BANK_BASES = {
    "bank-preservation": ("第八条", "《税收征收管理法》第三十八条"),
    "bank-enforcement": ("第八条", "《税收征收管理法》第四十条"),
    "bank-reconciliation": ("第八条", "对账"),
}


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ)


def test_migration_seeds_the_three_bank_matter_types_with_their_legal_basis():
    # Given the migrated database (no demo seeding), then each bank matter type is there.
    for code, articles in BANK_BASES.items():
        mt = MatterType.objects.get(code=code)
        assert mt.is_active and not mt.is_case_transfer
        for article in articles:
            assert article in mt.legal_basis


def test_demo_list_and_migration_agree_on_the_bank_matter_types():
    migration = importlib.import_module("collaboration.migrations.0005_bank_matter_types")
    demo = {m[0]: m for m in MATTER_TYPES}
    for code, name, category, days, transfer, basis, order in migration.BANK_MATTER_TYPES:
        assert demo[code] == (code, name, category, days, transfer, basis)
        assert order == 10 * (MATTER_TYPES.index(demo[code]) + 1)  # the demo's order


def test_bank_request_of_each_type_carries_its_legal_basis_and_is_counted(world):
    # Given a bank with a liaison and a request of each Art. 8 type from the tax bureau
    bank = UnitFactory(code="ICBC", name="工行蒸湘支行", kind=UnitKind.BANK)
    liaison = make_liaison(bank, username="bank")
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        made = {
            code: CollaborationRequestFactory(
                actor=world.staff, target_unit=bank, matter_type=world.mt(code), subject=code
            )
            for code in BANK_BASES
        }
        request_accept(req=made["bank-preservation"], actor=liaison)
    with time_machine.travel(at(D(2026, 11, 4)), tick=False):
        request_answer(req=made["bank-preservation"], actor=liaison, answer="已冻结账户存款")
    # Then each request carries its type's legal basis and category
    for code, articles in BANK_BASES.items():
        req = made[code]
        assert req.category == "enforcement"
        for article in articles:
            assert article in req.legal_basis
    # and the statistics behind the assessment count all three against the bank
    with time_machine.travel(at(D(2026, 12, 31)), tick=False):
        stats = request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30))
    assert stats[bank.pk].received == 3
    assert stats[bank.pk].answered_on_time == 1  # 保全: 3 working days, answered in 2
    assert stats[bank.pk].overdue_open == 2
