"""The matter types' legal bases: the migrations and the demo list agree (issue 19 #5)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from collaboration.demo import MATTER_TYPES, ensure_matter_types
from collaboration.models import MatterType

pytestmark = pytest.mark.django_db


def _migration(name: str):
    return importlib.import_module(f"collaboration.migrations.{name}")


def test_the_migrated_database_holds_the_demo_lists_values():
    # Given the migrated database (0002, its correction 0007, 0005): every value is the demo's
    for order, (code, name, category, days, transfer, basis) in enumerate(MATTER_TYPES, start=1):
        mt = MatterType.objects.get(code=code)
        assert (mt.name, mt.category, mt.default_working_days) == (name, category, days)
        assert (mt.is_case_transfer, mt.legal_basis, mt.order) == (transfer, basis, order * 10)


def test_migration_0002_as_corrected_by_0007_equals_the_demo_list():
    seeded = {m[0]: m for m in _migration("0002_seed_matter_types").MATTER_TYPES}
    correction = _migration("0007_matter_type_legal_basis")
    demo = {m[0]: m for m in MATTER_TYPES}
    for code, (_c, name, category, days, transfer, basis) in seeded.items():
        if code == "tax-before-cert" and basis == correction.OLD:
            basis = correction.NEW
        assert demo[code] == (code, name, category, days, transfer, basis)


def test_each_basis_cites_this_regulation_by_article_alone():
    for _code, _name, _category, _days, _transfer, basis in MATTER_TYPES:
        assert basis.startswith("第") and "实施办法" not in basis


def test_a_basis_the_working_group_edited_is_left_alone():
    MatterType.objects.filter(code="tax-before-cert").update(legal_basis="工作组修改的依据")
    correction = _migration("0007_matter_type_legal_basis")
    correction.forward(apps, None)
    assert MatterType.objects.get(code="tax-before-cert").legal_basis == "工作组修改的依据"


def test_ensure_matter_types_changes_nothing_on_a_migrated_database():
    before = list(MatterType.objects.values_list("code", "legal_basis").order_by("code"))
    ensure_matter_types()
    assert list(MatterType.objects.values_list("code", "legal_basis").order_by("code")) == before
