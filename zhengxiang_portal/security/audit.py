"""Security audit events (等保 8.1.4.3) written through THE ledger (one mechanism, not two).

Every entry says who (actor), when (ledger time), from where (`client_ip`), what (action, target,
details) and the outcome. Other apps call `audit_export` and `audit_unmask`; logins, failures,
lockouts and logouts come from Django's and axes' signals (connected in SecurityConfig.ready),
Django admin actions from LogEntry creation.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction

from agencies.models import User
from zhengxiang_portal.core.network import client_ip, current_client_ip
from zhengxiang_portal.core.request_context import request_id_var
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"


def audit_event(
    *,
    action: str,
    actor: User | AnonymousUser | str | None = None,  # as ledger_append's
    request: Any = None,
    target: models.Model | None = None,
    target_label: str = "",
    outcome: str = SUCCESS,
    details: dict | None = None,
    digest: str = "",
    unit: Any = None,
) -> LedgerEntry:
    """Append one security-audit entry (category AUDIT) with the request's client address."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)

    details = dict(details or {})
    rid = request_id_var.get()
    if rid and rid != "-":
        details.setdefault("request_id", rid)  # ties the entry to the application log
    ip = client_ip(request) if request is not None else current_client_ip.get()
    return ledger_append(
        action=action,
        category=LedgerCategory.AUDIT,
        actor=actor,
        unit=unit,
        target=target,
        target_label=target_label,
        outcome=outcome,
        details=details,
        digest=digest,
        ip_address=ip,
    )


@transaction.atomic
def audit_export(
    *,
    actor: User,
    what: str,
    rows: int,
    digest: str = "",
    request: Any = None,
    target: models.Model | None = None,
    details: dict | None = None,
) -> LedgerEntry:
    """Record an export (Excel/CSV download): what was exported, how many rows, file SHA-256.

    Call inside the view/service that produces the file, before returning it (Art. 24, 27).
    """
    return audit_event(
        action=LedgerAction.EXPORT,
        actor=actor,
        request=request,
        target=target,
        target_label=what,
        digest=digest,
        details={"what": what, "rows": int(rows), **(details or {})},
    )


@transaction.atomic
def audit_unmask(
    *,
    actor: User,
    target: models.Model | None = None,
    field: str,
    purpose: str = "",
    request: Any = None,
    what: str = "",
    details: dict | None = None,
) -> LedgerEntry:
    """Record that `actor` was shown the clear value of a masked field, and why (Art. 27)."""
    return audit_event(
        action=LedgerAction.UNMASK,
        actor=actor,
        request=request,
        target=target,
        target_label=what,
        details={"field": field, "purpose": purpose, **(details or {})},
    )


# --- signal receivers (audit plumbing only; no business rules) ----------------------------


def on_logged_in(sender, request, user, **kwargs) -> None:
    audit_event(action=LedgerAction.LOGIN, actor=user, request=request, target=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_event(action=LedgerAction.LOGOUT, actor=user, request=request, target=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username", ""))[:150]
    user = User.objects.filter(username=username).first() if username else None
    audit_event(
        action=LedgerAction.LOGIN_FAILED,
        actor=username or "?",
        request=request,
        target=user,
        target_label=username,
        outcome=FAILURE,
        details={"username": username},
    )


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    user = User.objects.filter(username=username).first() if username else None
    audit_event(
        action=LedgerAction.LOCKOUT,
        actor=username or "?",
        request=request,
        target=user,
        target_label=username or "",
        outcome=DENIED,
        details={"username": username, "ip_address": ip_address},
    )


def on_admin_log_entry(sender, instance, created, **kwargs) -> None:
    """Mirror each Django admin action (LogEntry) into the audit trail."""
    if not created:
        return
    flag = {1: "add", 2: "change", 3: "delete"}.get(instance.action_flag, str(instance.action_flag))
    ct = instance.content_type
    audit_event(
        action=LedgerAction.ADMIN,
        actor=instance.user,
        target_label=(instance.object_repr or "")[:300],
        details={
            "event": flag,
            "model": f"{ct.app_label}.{ct.model}" if ct else "",
            "object_id": instance.object_id,
            "change": instance.get_change_message()[:500],
        },
    )
