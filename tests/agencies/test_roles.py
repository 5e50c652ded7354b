"""Roles and separation of duties (三员分立)."""

import pytest
from django.core.exceptions import PermissionDenied

from agencies.roles import Role, user_roles
from agencies.services import user_set_roles
from tests.factories import UserFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def test_security_admin_assigns_a_business_role_and_it_is_audited(roles):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    user = UserFactory()
    user_set_roles(actor=admin, user=user, roles=[Role.TAX_STAFF])
    assert user_roles(user) == {"tax_staff"}
    entry = LedgerEntry.objects.get(action="role")
    assert entry.details == {"before": [], "after": ["tax_staff"]}
    assert entry.actor == admin


def test_nobody_changes_their_own_roles(roles):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    with pytest.raises(PermissionDenied):
        user_set_roles(actor=admin, user=admin, roles=[Role.SECURITY_ADMIN, Role.AUDITOR])


@pytest.mark.parametrize("actor_role", [Role.SYSTEM_ADMIN, Role.AUDITOR, Role.WG_LEADER])
def test_only_the_security_admin_assigns_roles(roles, actor_role):
    actor = UserFactory(roles=[actor_role])
    with pytest.raises(PermissionDenied):
        user_set_roles(actor=actor, user=UserFactory(), roles=[Role.LIAISON])


@pytest.mark.parametrize(
    "combination",
    [
        [Role.SECURITY_ADMIN, Role.AUDITOR],
        [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN],
        [Role.AUDITOR, Role.WG_LEADER],
        [Role.SYSTEM_ADMIN, Role.TAX_STAFF],
    ],
)
def test_admin_roles_are_mutually_exclusive(roles, combination):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    with pytest.raises(ApplicationError) as exc:
        user_set_roles(actor=admin, user=UserFactory(), roles=combination)
    assert exc.value.code == "separation_of_duties"


def test_system_admin_cannot_read_the_audit_trail_and_auditor_can(roles):
    system_admin = UserFactory(roles=[Role.SYSTEM_ADMIN])
    auditor = UserFactory(roles=[Role.AUDITOR])
    assert not system_admin.has_perm("ledger.view_ledgerentry")
    assert auditor.has_perm("ledger.view_ledgerentry")
    assert not auditor.has_perm("agencies.change_user")


def test_security_admin_cannot_edit_role_groups_permissions(roles):
    admin = UserFactory(roles=[Role.SECURITY_ADMIN])
    assert not admin.has_perm("auth.change_group")
    assert not admin.has_perm("auth.add_permission")
