"""A unit with duties and nobody active is flagged: /units/, the working group's home, a check."""

import pytest
from django.core.cache import cache

from agencies.checks import UNREACHABLE_UNITS, units_without_anyone_to_tell
from agencies.models import Liaison, Unit
from agencies.selectors import units_unreachable
from assessment.models import RectificationOrder
from tests.factories import (
    RectificationOrderFactory,
    UnitFactory,
    WorkingGroupMemberFactory,
    make_liaison,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(roles):
    return WorkingGroupMemberFactory(leader=True).user


def _order(unit, leader):
    return RectificationOrderFactory(
        actor=leader,
        unit=unit,
        failure=RectificationOrder.Failure.NOT_COOPERATING,
        facts="未按期答复税务部门的协作请求。",
        requirement="请于期限内答复并说明原因。",
    )


def test_only_units_with_open_duties_and_nobody_active_are_flagged(leader):
    orphan_with_duty = UnitFactory(name="区医保局")
    orphan_idle = UnitFactory(name="无职责单位")
    staffed = UnitFactory(name="有联络员单位")
    make_liaison(staffed)
    _order(orphan_with_duty, leader)
    _order(staffed, leader)
    assert list(units_unreachable()) == [orphan_with_duty]
    assert orphan_idle not in units_unreachable()


def test_a_closed_duty_no_longer_flags_the_unit(leader):
    unit = UnitFactory()
    order = _order(unit, leader)
    RectificationOrder.objects.filter(pk=order.pk).update(status=RectificationOrder.Status.CLOSED)
    assert not units_unreachable().exists()


def test_the_system_check_warns_with_an_id_naming_the_units(leader):
    unit = UnitFactory(name="区医保局")
    assert units_without_anyone_to_tell(databases=["default"]) == []
    _order(unit, leader)
    [warning] = units_without_anyone_to_tell(databases=["default"])
    assert warning.id == UNREACHABLE_UNITS == "agencies.W001"
    assert "区医保局" in warning.msg


def test_units_page_flags_them_for_the_working_group(client, leader):
    unit = UnitFactory(name="区医保局")
    other = UnitFactory(name="区财政局")
    make_liaison(other)
    _order(unit, leader)
    client.force_login(leader)
    body = client.get("/units/").content.decode()
    row = body[body.index("区医保局") :]
    assert "data-unreachable" in row[: row.index("</tr>")]
    row = body[body.index("区财政局") :]
    assert "data-unreachable>" not in row[: row.index("</tr>")]


def test_the_working_group_sees_them_first_on_its_home_page_and_liaisons_do_not(client, leader):
    unit = UnitFactory(name="区医保局")
    _order(unit, leader)
    client.force_login(leader)
    body = client.get("/").content.decode()
    assert "data-unreachable-units" in body and "区医保局" in body
    liaison = make_liaison(UnitFactory())
    client.force_login(liaison)
    assert "data-unreachable-units" not in client.get("/").content.decode()


def test_on_the_demo_the_tax_bureau_is_not_flagged_and_units_without_liaison_are(demo):
    cache.clear()
    flagged = set(units_unreachable().values_list("code", flat=True))
    assert "ZX-TAX" not in flagged  # its tax staff are told
    assert flagged  # units with duties and no liaison account in the demo
    with_liaison = set(
        Liaison.objects.filter(is_active=True, user__is_active=True).values_list(
            "unit__code", flat=True
        )
    )
    assert not flagged & with_liaison
    assert Unit.objects.filter(code__in=flagged).count() == len(flagged)


def test_the_check_is_a_deployment_check_not_noise_on_every_command(leader):
    from django.core.checks import run_checks

    _order(UnitFactory(name="区医保局"), leader)
    # Every management command (migrate, seed_demo …) runs the ordinary checks: not this one
    assert UNREACHABLE_UNITS not in {m.id for m in run_checks()}
    assert UNREACHABLE_UNITS not in {m.id for m in run_checks(databases=["default"])}  # migrate
    # nor does a settings-only `check --deploy`
    assert UNREACHABLE_UNITS not in {m.id for m in run_checks(include_deployment_checks=True)}
    # `manage.py check --deploy --database default` lists it
    deploy = run_checks(include_deployment_checks=True, databases=["default"])
    assert UNREACHABLE_UNITS in {m.id for m in deploy}
    only = run_checks(tags=["portal_data"], include_deployment_checks=True, databases=["default"])
    assert [m.id for m in only] == [UNREACHABLE_UNITS]
