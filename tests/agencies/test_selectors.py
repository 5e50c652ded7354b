"""Who acts for which unit, and which units a user may browse."""

import pytest

from agencies.models import User
from agencies.roles import Role, user_roles
from agencies.selectors import acted_unit_ids, unit_list, user_can_act_for, user_unit_ids
from agencies.services import liaison_deactivate, liaison_save, user_set_unit
from tests.factories import UnitFactory, UserFactory, make_liaison, make_tax_bureau

pytestmark = pytest.mark.django_db


def test_liaison_acts_for_own_unit_only(roles):
    mine, other = UnitFactory(), UnitFactory()
    liaison = make_liaison(mine)
    assert user_can_act_for(user=liaison, unit=mine)
    assert not user_can_act_for(user=liaison, unit=other)


def test_liaison_sees_only_own_unit_in_the_list(roles):
    mine, _other = UnitFactory(), UnitFactory()
    liaison = make_liaison(mine)
    assert list(unit_list(user=liaison)) == [mine]


def test_working_group_sees_every_unit(roles):
    units = [UnitFactory() for _ in range(3)]
    member = UserFactory(roles=[Role.WG_MEMBER], unit=units[0])
    assert set(unit_list(user=member)) == set(units)


def test_registering_a_liaison_grants_and_deactivating_revokes(roles):
    unit = UnitFactory()
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    account = UserFactory(unit=unit)
    user_set_unit(actor=admin, user=account, unit=unit, acts_for=True)
    liaison = account.liaison
    account = type(account).objects.get(pk=account.pk)  # fresh permission cache
    assert user_can_act_for(user=account, unit=unit)
    liaison_deactivate(actor=admin, liaison=liaison)
    account = type(account).objects.get(pk=account.pk)
    assert not user_can_act_for(user=account, unit=unit)


def test_one_primary_liaison_per_unit(roles):
    unit = UnitFactory()
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    first = liaison_save(actor=admin, unit=unit, name="甲", phone="1", is_primary=True)
    liaison_save(actor=admin, unit=unit, name="乙", phone="2", is_primary=True)
    first.refresh_from_db()
    assert not first.is_primary
    assert unit.liaisons.filter(is_primary=True).count() == 1


def test_tax_staff_act_for_the_tax_bureau_but_not_other_units(roles):
    bureau = make_tax_bureau()
    staff = UserFactory(roles=[Role.TAX_STAFF], unit=bureau)
    assert user_can_act_for(user=staff, unit=bureau)
    assert not user_can_act_for(user=staff, unit=UnitFactory())


def test_units_acted_for_are_read_once_per_change_not_once_per_request(
    roles, django_assert_num_queries
):
    unit = UnitFactory()
    liaison = User.objects.get(pk=make_liaison(unit).pk)  # as a request loads the account
    # The first ask reads the account's snapshot: roles, user and group permissions, units, and
    # what other apps keep in it (the items the account consumes, whether it has a second factor).
    with django_assert_num_queries(6):
        assert acted_unit_ids(user=liaison) == {unit.pk}
        assert user_unit_ids(user=liaison) == {unit.pk}
        assert liaison.has_perm("agencies.act_for_unit") is False  # an object permission only
    next_request = User.objects.get(pk=liaison.pk)
    with django_assert_num_queries(0):
        assert acted_unit_ids(user=next_request) == {unit.pk}
        assert user_roles(next_request) == {Role.LIAISON}


def test_granting_and_revoking_refreshes_the_scope_of_the_same_account_object(roles):
    unit = UnitFactory()
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    account = UserFactory(unit=unit)
    assert acted_unit_ids(user=account) == set()
    user_set_unit(actor=admin, user=account, unit=unit, acts_for=True)
    liaison = account.liaison
    assert acted_unit_ids(user=account) == {unit.pk}
    liaison_deactivate(actor=admin, liaison=liaison)
    assert acted_unit_ids(user=account) == set()


def test_acted_unit_ids_agree_with_guardian_for_user_group_superuser_and_none(roles):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm, get_objects_for_user

    from agencies.models import Unit
    from agencies.selectors import ACT_FOR_UNIT

    own, via_group, other = UnitFactory(), UnitFactory(), UnitFactory()
    direct = make_liaison(own)
    team = Group.objects.create(name="联络组")
    assign_perm(ACT_FOR_UNIT, team, via_group)
    in_team = UserFactory()
    in_team.groups.add(team)
    both = make_liaison(other)
    both.groups.add(team)
    superuser = UserFactory(is_superuser=True)
    nobody = UserFactory()
    for account in (direct, in_team, both, superuser, nobody):
        account = type(account).objects.get(pk=account.pk)
        guardian = get_objects_for_user(account, ACT_FOR_UNIT, Unit, accept_global_perms=False)
        expected = set(guardian.values_list("pk", flat=True))
        assert acted_unit_ids(user=account) == expected, account.username
    assert acted_unit_ids(user=type(both).objects.get(pk=both.pk)) == {other.pk, via_group.pk}
    assert acted_unit_ids(user=type(nobody).objects.get(pk=nobody.pk)) == set()
