"""Fixtures: the tax bureau, two units with liaisons, a judicial unit, the working group."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from agencies.models import UnitKind
from agencies.roles import Role
from collaboration.demo import ensure_matter_types
from collaboration.models import MatterType
from tests.factories import (
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Attachments go to a temporary MEDIA_ROOT, not the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(roles):
    ensure_matter_types()
    bureau = make_tax_bureau()
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF], username="staff")
    staff2 = UserFactory(unit=bureau, roles=[Role.TAX_STAFF], username="staff2")
    market = UnitFactory(code="SAMR", name="区市场监管局")
    market_liaison = make_liaison(market, username="market")
    other = UnitFactory(code="OTHER", name="其他单位")
    other_liaison = make_liaison(other, username="other")
    police = UnitFactory(code="POL", name="公安分局", kind=UnitKind.POLICE)
    police_liaison = make_liaison(police, username="police")
    # The leader sits for a unit that is party to no request here: a member whose own unit is a
    # party stands aside from ruling (回避), see test_services' conflict-of-interest tests.
    ndrc = UnitFactory(code="NDRC", name="区发改局")
    wg_leader = WorkingGroupMemberFactory(unit=ndrc, leader=True, user__username="wgl").user
    outsider = UserFactory(username="nobody")
    return SimpleNamespace(
        bureau=bureau,
        staff=staff,
        staff2=staff2,
        market=market,
        market_liaison=market_liaison,
        other=other,
        other_liaison=other_liaison,
        police=police,
        police_liaison=police_liaison,
        wg=wg_leader,
        outsider=outsider,
        mt=lambda code: MatterType.objects.get(code=code),
    )


D = dt.date
