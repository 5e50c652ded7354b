"""三员分立: one rule per test, through has_perm and through the pages/API.

- The security admin manages accounts and roles but cannot approve their own grants
  (two-person rule) nor any change of their own roles.
- The system admin runs the system but reads neither shared data nor the audit trail.
- The auditor reads the audit trail and the access log only: no business data, no account changes.
- No superusers; the Django admin is open to the system and security admins only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agencies.authz import forget
from agencies.models import Liaison, User
from agencies.roles import Role, user_roles
from agencies.services import roles_sync
from tests.factories import UserFactory, make_liaison
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.security.models import RoleChangeRequest
from zhengxiang_portal.security.services import (
    role_change_approve,
    role_change_reject,
    role_change_request,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BUSINESS_APPS = {"sharing_catalog", "collaboration", "assessment"}


def _perms(role: str) -> set[str]:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


# --- security admin: two-person rule ------------------------------------------------------


def test_role_change_takes_effect_only_after_a_second_admin_approves(
    security_admin, security_admin_2
):
    user = UserFactory()
    change = role_change_request(
        actor=security_admin, user=user, roles=[Role.TAX_STAFF], reason="调岗"
    )
    forget(user)
    assert user_roles(user) == frozenset()
    role_change_approve(actor=security_admin_2, change=change)
    user = User.objects.get(pk=user.pk)
    assert user_roles(user) == {Role.TAX_STAFF}
    change.refresh_from_db()
    assert change.status == "approved" and change.decided_by == security_admin_2


def test_security_admin_cannot_approve_their_own_request(security_admin):
    change = role_change_request(
        actor=security_admin, user=UserFactory(), roles=[Role.AUDITOR], reason="x"
    )
    with pytest.raises(PermissionDenied):
        role_change_approve(actor=security_admin, change=change)
    change.refresh_from_db()
    assert change.status == "pending"


def test_nobody_approves_a_change_of_their_own_roles(security_admin, security_admin_2, roles):
    third = UserFactory(roles=[Role.SECURITY_ADMIN])
    change = role_change_request(
        actor=security_admin, user=security_admin_2, roles=[Role.TAX_STAFF], reason="x"
    )
    with pytest.raises(PermissionDenied):
        role_change_approve(actor=security_admin_2, change=change)
    role_change_approve(actor=third, change=change)


def test_nobody_requests_a_change_of_their_own_roles(security_admin):
    with pytest.raises(PermissionDenied):
        role_change_request(actor=security_admin, user=security_admin, roles=[], reason="x")


def test_admin_roles_stay_exclusive_in_requests(security_admin):
    with pytest.raises(ApplicationError):
        role_change_request(
            actor=security_admin,
            user=UserFactory(),
            roles=[Role.AUDITOR, Role.SYSTEM_ADMIN],
            reason="x",
        )


def test_only_security_admins_request_role_changes(auditor, system_admin):
    for actor in (auditor, system_admin):
        with pytest.raises(PermissionDenied):
            role_change_request(actor=actor, user=UserFactory(), roles=[Role.LIAISON], reason="x")


def test_requester_may_withdraw_and_another_admin_may_reject(security_admin, security_admin_2):
    a = role_change_request(
        actor=security_admin, user=UserFactory(), roles=["tax_staff"], reason="x"
    )
    assert role_change_reject(actor=security_admin, change=a).status == "cancelled"
    b = role_change_request(
        actor=security_admin, user=UserFactory(), roles=["tax_staff"], reason="x"
    )
    assert role_change_reject(actor=security_admin_2, change=b).status == "rejected"


def test_database_refuses_a_self_approved_request(security_admin):
    from django.db import IntegrityError, transaction

    change = role_change_request(
        actor=security_admin, user=UserFactory(), roles=["tax_staff"], reason="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleChangeRequest.objects.filter(pk=change.pk).update(decided_by=security_admin)


def test_pages_request_and_approve_with_two_admins(client, security_admin, security_admin_2):
    user = UserFactory()
    client.force_login(security_admin)
    client.post(
        reverse("security:account_detail", args=[user.pk]),
        {"action": "roles", "roles": ["tax_staff"], "reason": "新入职"},
    )
    change = RoleChangeRequest.objects.get(user=user)
    # The requester's own approval through the page changes nothing.
    client.post(reverse("security:role_change_decide", args=[change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert change.status == "pending"
    client.force_login(security_admin_2)
    page = client.get(reverse("security:role_change_list")).content.decode()
    assert "批准" in page
    client.post(reverse("security:role_change_decide", args=[change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert change.status == "approved"
    assert LedgerEntry.objects.filter(action="role", details__event="role_change_approved").exists()
    # The role change itself (written by agencies' user_set_roles, without a request at hand)
    # carries the address too: ledger_append takes it from the request context.
    applied = LedgerEntry.objects.get(
        action="role", details__before=[], details__after=["tax_staff"]
    )
    assert applied.ip_address == "127.0.0.1"


def test_django_admin_role_edit_only_files_a_request(client, security_admin):
    from django.contrib.auth.models import Group

    user = UserFactory()
    client.force_login(security_admin)
    url = reverse("admin:agencies_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update(
        {
            "username": user.username,
            "groups": [Group.objects.get(name="auditor").pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "is_active": "on",
        }
    )
    data.pop("password", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("password_changed_at", None)
    client.post(url, data)
    forget(user)
    assert user_roles(User.objects.get(pk=user.pk)) == frozenset()
    assert RoleChangeRequest.objects.get(user=user).roles_after == ["auditor"]
    # The admin action itself is in the audit trail, with the address it came from.
    admin_entry = LedgerEntry.objects.filter(action="admin").last()
    assert admin_entry.actor == security_admin and admin_entry.ip_address == "127.0.0.1"
    assert admin_entry.details["request_id"]


def test_roles_are_applied_only_by_the_approval_service():
    """user_set_roles is the low-level applier: no page, API or admin calls it directly."""
    callers = []
    for path in ROOT.glob("**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/")) or "/migrations/" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\b(user_set_roles|user_set_unit)\(", text):
            callers.append(rel)
    assert sorted(callers) == ["agencies/services.py", "zhengxiang_portal/security/services.py"]


def test_a_liaison_acts_for_its_unit_only_after_a_second_admin_approves(
    security_admin, security_admin_2
):
    from agencies.selectors import acted_unit_ids
    from tests.factories import UnitFactory

    court, other = UnitFactory(), UnitFactory()
    user = UserFactory(unit=other)
    change = role_change_request(
        actor=security_admin, user=user, roles=[Role.LIAISON], unit=court, reason="法院联络员"
    )
    forget(user)
    assert acted_unit_ids(user=user) == frozenset() and user.unit == other
    role_change_approve(actor=security_admin_2, change=change)
    user = User.objects.get(pk=user.pk)
    assert user.unit == court and acted_unit_ids(user=user) == {court.pk}
    assert user.liaison.unit == court
    entry = LedgerEntry.objects.get(action="role", details__event="unit_set")
    assert entry.actor == security_admin_2 and entry.details["after"]["acts_for"] is True
    # Taking the role away takes the unit's data away too.
    change = role_change_request(
        actor=security_admin_2, user=user, roles=[Role.TAX_STAFF], reason="调岗"
    )
    role_change_approve(actor=security_admin, change=change)
    user = User.objects.get(pk=user.pk)
    assert acted_unit_ids(user=user) == frozenset()
    assert not Liaison.objects.filter(user=user).exists()


def test_a_liaison_request_names_a_unit(security_admin):
    with pytest.raises(ApplicationError):
        role_change_request(
            actor=security_admin, user=UserFactory(), roles=[Role.LIAISON], unit=None, reason="x"
        )


# --- system admin -------------------------------------------------------------------------


def test_system_admin_holds_no_business_or_audit_permission(roles):
    perms = _perms(Role.SYSTEM_ADMIN)
    apps = {p.split(".")[0] for p in perms}
    assert not apps & (BUSINESS_APPS | {"ledger", "axes", "security"})
    assert "agencies.change_user" not in perms


def test_system_admin_cannot_read_the_audit_trail(client, system_admin):
    assert not system_admin.has_perm("ledger.view_ledgerentry")
    client.force_login(system_admin)
    assert client.get(reverse("security:audit_list")).status_code == 403
    assert client.get(reverse("security:audit_export", args=["csv"])).status_code == 403
    assert client.get("/api/audit-entries/").status_code == 403


def test_system_admin_cannot_manage_accounts(client, system_admin):
    client.force_login(system_admin)
    assert client.get(reverse("security:account_list")).status_code == 403
    assert client.get(reverse("security:role_change_list")).status_code == 403


def test_system_admin_sees_no_ledger_in_the_django_admin(client, system_admin):
    client.force_login(system_admin)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert not models & {"LedgerEntry", "AccessLog", "AccessAttempt", "AccessFailureLog"}


# --- auditor ------------------------------------------------------------------------------


def test_auditor_permissions_are_audit_and_access_log_only(roles):
    perms = _perms(Role.AUDITOR)
    assert perms
    assert all(p.split(".")[0] in {"ledger", "axes"} and ".view_" in p for p in perms)


def test_auditor_reads_the_audit_trail(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("security:audit_list")).status_code == 200
    assert client.get("/api/audit-entries/").status_code == 200


def test_auditor_cannot_change_accounts_or_roles(client, auditor):
    client.force_login(auditor)
    user = UserFactory()
    assert client.get(reverse("security:account_list")).status_code == 403
    assert (
        client.post(
            reverse("security:account_detail", args=[user.pk]), {"action": "unlock"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:index")).status_code in (302, 403)
    with pytest.raises(PermissionDenied):
        role_change_request(actor=auditor, user=user, roles=[], reason="x")


def test_auditor_sees_no_business_data(client, auditor, demo):
    client.force_login(auditor)
    page = client.get(reverse("agencies:unit_list"))
    assert page.status_code == 200 and not page.context["page"].object_list
    assert client.get("/api/units/").json()["count"] == 0


def test_axes_records_are_the_auditors_alone(client, roles, security_admin, auditor):
    """Issue 15, seen 5: the security admin read axes' access attempts (addresses, browsers)."""
    assert not {p for p in _perms(Role.SECURITY_ADMIN) if p.startswith("axes.")}
    assert {p for p in _perms(Role.AUDITOR) if p.startswith("axes.")} >= {
        "axes.view_accessattempt",
        "axes.view_accesslog",
    }
    client.force_login(security_admin)
    for model in ("accessattempt", "accesslog", "accessfailurelog"):
        assert client.get(reverse(f"admin:axes_{model}_changelist")).status_code == 403
    assert client.get(reverse("security:access_log")).status_code == 403


def test_security_admin_cannot_read_the_audit_trail(client, security_admin):
    client.force_login(security_admin)
    assert client.get(reverse("security:audit_list")).status_code == 403


# --- admin site, superusers ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LIAISON, Role.TAX_STAFF, Role.WG_LEADER, Role.AUDITOR])
def test_admin_site_is_closed_to_other_roles(client, roles, role):
    client.force_login(UserFactory(roles=[role], is_staff=True))
    assert client.get(reverse("admin:index")).status_code in (302, 403)


def test_superuser_flag_alone_does_not_open_the_admin(client, roles):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("admin:index")).status_code in (302, 403)


def test_admin_actions_are_in_the_audit_trail(security_admin):
    from django.contrib.contenttypes.models import ContentType

    user = UserFactory()
    LogEntry.objects.log_actions(
        user_id=security_admin.pk,
        queryset=[user],
        action_flag=CHANGE,
        change_message="改了电话",
        single_object=True,
    )
    entry = LedgerEntry.objects.filter(action="admin").last()
    assert entry.actor == security_admin and entry.details["event"] == "change"
    assert entry.details["model"] == f"agencies.{ContentType.objects.get_for_model(User).model}"


def test_roles_sync_keeps_the_security_permissions(db):
    counts = roles_sync()
    assert counts[Role.AUDITOR] >= 3 and counts[Role.SECURITY_ADMIN] >= 10


def test_liaison_cannot_reach_security_pages(client, roles):
    client.force_login(make_liaison())
    for name in ("security:account_list", "security:role_change_list", "security:audit_list"):
        assert client.get(reverse(name)).status_code == 403


def test_home_shows_other_admins_pending_requests_to_a_security_admin(
    client, security_admin, security_admin_2
):
    role_change_request(actor=security_admin, user=UserFactory(), roles=["tax_staff"], reason="x")
    client.force_login(security_admin_2)
    assert "待审批的角色变更" in client.get(reverse("home")).content.decode()
    client.force_login(security_admin)  # the requester has nothing to approve
    assert "待审批的角色变更" not in client.get(reverse("home")).content.decode()


def test_password_set_in_the_django_admin_enters_history_and_forces_a_change(
    client, security_admin
):
    user = UserFactory()
    client.force_login(security_admin)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(url, {"password1": "Admin#Set-Pass9x", "password2": "Admin#Set-Pass9x"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Admin#Set-Pass9x") and user.must_change_password
    assert user.password_history.count() == 1
    assert LedgerEntry.objects.filter(details__via="admin", target_id=str(user.pk)).exists()


def test_account_list_query_count_stays_flat(client, security_admin, django_assert_max_num_queries):
    for _ in range(20):
        make_liaison()
    client.force_login(security_admin)
    client.get(reverse("security:account_list"))  # warm: the admin's authorisation snapshot
    # 7 measured, +1 unread count, +1 login delays (issue 15); 20 more accounts add none
    with django_assert_max_num_queries(10):
        response = client.get(reverse("security:account_list"))
    assert len(response.context["rows"]) == 21
