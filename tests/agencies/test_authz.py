"""The authorisation snapshot (agencies.authz): read once per change, never older than the change.

Pages read roles, permissions and the units a user acts for from a per-process snapshot keyed by
the account's authz_version. These tests load the account afresh wherever a real request would,
and require every kind of change to show on the very next request.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from agencies.models import User
from agencies.roles import Role, user_roles
from agencies.selectors import ACT_FOR_UNIT, acted_unit_ids
from agencies.services import liaison_deactivate, user_set_unit
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _next_request(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _warm(user: User) -> User:
    """The account as one request saw it (its snapshot now in this process's memory)."""
    seen = _next_request(user)
    user_roles(seen)
    return seen


def test_a_role_taken_away_is_gone_on_the_next_request(roles):
    user = UserFactory(roles=[Role.WG_MEMBER])
    assert user_roles(_warm(user)) == {Role.WG_MEMBER}
    _next_request(user).groups.remove(Group.objects.get(name=Role.WG_MEMBER))
    assert user_roles(_next_request(user)) == frozenset()


def test_removing_a_member_from_the_group_side_counts_too(roles):
    user = UserFactory(roles=[Role.TAX_STAFF])
    _warm(user)
    group = Group.objects.get(name=Role.TAX_STAFF)
    group.user_set.remove(user)
    assert user_roles(_next_request(user)) == frozenset()
    group.user_set.add(user)
    assert user_roles(_next_request(user)) == {Role.TAX_STAFF}
    group.user_set.clear()
    assert user_roles(_next_request(user)) == frozenset()


def test_a_permission_taken_from_the_role_is_gone_for_its_members(roles):
    auditor = UserFactory(roles=[Role.AUDITOR])
    assert _warm(auditor).has_perm("ledger.view_ledgerentry")
    perm = Permission.objects.get(codename="view_ledgerentry", content_type__app_label="ledger")
    Group.objects.get(name=Role.AUDITOR).permissions.remove(perm)
    assert not _next_request(auditor).has_perm("ledger.view_ledgerentry")


def test_a_permission_given_to_the_account_itself_shows_on_the_next_request(roles):
    user = UserFactory()
    assert not _warm(user).has_perm("agencies.view_unit")
    perm = Permission.objects.get(codename="view_unit", content_type__app_label="agencies")
    _next_request(user).user_permissions.add(perm)
    assert _next_request(user).has_perm("agencies.view_unit")


def test_a_unit_taken_away_is_gone_on_the_next_request(roles):
    unit = UnitFactory()
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    account = UserFactory(unit=unit)
    user_set_unit(actor=admin, user=account, unit=unit, acts_for=True)
    liaison = account.liaison
    assert acted_unit_ids(user=_warm(account)) == {unit.pk}
    liaison_deactivate(actor=admin, liaison=liaison)
    assert acted_unit_ids(user=_next_request(account)) == frozenset()


def test_object_permissions_granted_through_a_group_count(roles):
    unit = UnitFactory()
    group = Group.objects.create(name="某专班")
    user = UserFactory()
    user.groups.add(group)
    assert acted_unit_ids(user=_warm(user)) == frozenset()
    assign_perm(ACT_FOR_UNIT, group, unit)
    assert acted_unit_ids(user=_next_request(user)) == {unit.pk}
    remove_perm(ACT_FOR_UNIT, group, unit)
    assert acted_unit_ids(user=_next_request(user)) == frozenset()


def test_saving_a_stale_copy_of_the_account_does_not_bring_back_old_rights(roles):
    user = UserFactory(roles=[Role.WG_LEADER])
    stale = _warm(user)  # loaded before the change, saved after it (an edit form, say)
    _next_request(user).groups.clear()
    stale.full_name = "改名"
    stale.save()
    fresh = _next_request(user)
    assert fresh.full_name == "改名"
    assert user_roles(fresh) == frozenset()


def test_a_change_that_rolled_back_leaves_nothing_behind(roles):
    user = UserFactory()
    _warm(user)
    with pytest.raises(RuntimeError), transaction.atomic():
        inside = _next_request(user)
        inside.groups.add(Group.objects.get(name=Role.WG_LEADER))
        assert user_roles(inside) == {Role.WG_LEADER}  # the changing request sees its change
        raise RuntimeError("the service failed after the grant")
    assert user_roles(_next_request(user)) == frozenset()


def test_a_deactivated_account_has_no_permissions(roles):
    user = UserFactory(roles=[Role.AUDITOR])
    assert _warm(user).has_perm("ledger.view_ledgerentry")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert not _next_request(user).has_perm("ledger.view_ledgerentry")
