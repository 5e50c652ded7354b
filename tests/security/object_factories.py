"""Security pages that take an id: accounts and role-change requests (security admin only)."""

from __future__ import annotations

from agencies.roles import Role
from tests.factories import UserFactory
from tests.object_access import ListCase, ObjectCase, list_factory, object_factory
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.security.audit import audit_event


@object_factory("security:account_detail")
def account(unit):
    return ObjectCase(
        kwargs={"pk": UserFactory(unit=unit).pk}, owner=UserFactory(roles=[Role.SECURITY_ADMIN])
    )


@object_factory("security:role_change_decide")
def role_change(unit):
    from zhengxiang_portal.security.services import role_change_request

    requester = UserFactory(roles=[Role.SECURITY_ADMIN])
    change = role_change_request(
        actor=requester, user=UserFactory(unit=unit), roles=["liaison"], reason="测试"
    )
    return ObjectCase(kwargs={"pk": change.pk}, method="post", data={"decision": "approve"})


@object_factory("security:audit_export")
def audit_export(unit):
    # Not an object id but a format; the audit trail is the auditor's only (三员分立).
    return ObjectCase(kwargs={"fmt": "csv"}, owner=UserFactory(roles=[Role.AUDITOR]))


@list_factory("audit-entry-list")
def audit_entries(unit):
    entry = audit_event(action=LedgerAction.ACCOUNT, actor=UserFactory(unit=unit), unit=unit)
    return ListCase(id_field="seq", ids={entry.seq})
