"""Reads of the security app: the audit trail as the auditor searches it, accounts overview."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from zhengxiang_portal.ledger.actions import LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry

from .models import RoleChangeRequest

AUDIT_VIEW_PERM = "ledger.view_ledgerentry"


def audit_entry_list(*, user: User, filters: dict | None = None) -> QuerySet[LedgerEntry]:
    """Security-audit entries (category AUDIT), newest first; auditor only (三员分立)."""
    if not user.has_perm(AUDIT_VIEW_PERM):
        raise PermissionDenied(_("只有审计管理员可以查看审计记录。"))
    qs = LedgerEntry.objects.filter(category=LedgerCategory.AUDIT).select_related(
        "actor", "unit", "target_type"
    )
    f = filters or {}
    if f.get("user"):
        qs = qs.filter(
            Q(actor_label__icontains=f["user"]) | Q(actor__full_name__icontains=f["user"])
        )
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("outcome"):
        qs = qs.filter(outcome=f["outcome"])
    if f.get("ip"):
        qs = qs.filter(ip_address=f["ip"])
    tz = timezone.get_current_timezone()
    if f.get("date_from"):
        qs = qs.filter(created_at__gte=dt.datetime.combine(f["date_from"], dt.time.min, tz))
    if f.get("date_to"):
        end = dt.datetime.combine(f["date_to"] + dt.timedelta(days=1), dt.time.min, tz)
        qs = qs.filter(created_at__lt=end)
    return qs.order_by("-seq")


def account_list(*, user: User, q: str = "") -> QuerySet[User]:
    """Accounts for the security admin to manage."""
    if not user.has_perm("agencies.view_user"):
        raise PermissionDenied(_("只有安全管理员可以管理账号。"))
    qs = User.objects.select_related("unit").prefetch_related("groups").order_by("username")
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(unit__name__icontains=q)
        )
    return qs


def role_change_list(*, user: User, pending_only: bool = False) -> QuerySet[RoleChangeRequest]:
    if not user.has_perm("security.view_rolechangerequest"):
        raise PermissionDenied(_("只有安全管理员可以查看角色变更申请。"))
    qs = RoleChangeRequest.objects.select_related(
        "user", "requested_by", "decided_by", "unit_before", "unit_after"
    )
    if pending_only:
        qs = qs.filter(status=RoleChangeRequest.Status.PENDING)
    return qs


def access_log_list(*, user: User, username: str = "", ip: str = "", failures: bool = False):
    """axes' access log (sign-ins and sign-outs) or failure log; auditor only (三员分立)."""
    model = AccessFailureLog if failures else AccessLog
    perm = "axes.view_accessfailurelog" if failures else "axes.view_accesslog"
    if not user.has_perm(perm):
        raise PermissionDenied(_("只有审计管理员可以查看访问日志。"))
    qs = model.objects.all()
    if username:
        qs = qs.filter(username__icontains=username)
    if ip:
        qs = qs.filter(ip_address=ip)
    return qs.order_by("-attempt_time", "-pk")
