"""The Django admin site under 三员分立: only the system and security admins may enter.

`is_staff`/`is_superuser` are not what decides: a role does. The admin's own login page is
replaced by the portal's (with lockout and second factor).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from agencies.roles import has_role
from zhengxiang_portal.ledger.actions import LedgerAction

from .audit import DENIED, FAILURE, SUCCESS, audit_event

ADMIN_SITE_ROLES = ("security_admin", "system_admin")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PortalAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        """Every attempt to change something through the admin is in the audit trail.

        Django's LogEntry (mirrored by audit.on_admin_log_entry) records what was saved; this
        records each POST with its outcome, also those refused or that changed nothing.
        """
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def audited(request, *args, **kwargs):
            if request.method in _SAFE_METHODS:
                return inner(request, *args, **kwargs)
            try:
                response = inner(request, *args, **kwargs)
            except PermissionDenied:
                self._audit_attempt(request, status=403, allowed=False)
                raise
            self._audit_attempt(
                request, status=response.status_code, allowed=self.has_permission(request)
            )
            return response

        return audited

    @staticmethod
    def _audit_attempt(request, *, status: int, allowed: bool) -> None:
        if not allowed or status == 403:
            outcome = DENIED
        elif status in (301, 302, 303):
            outcome = SUCCESS  # the admin redirects after a save or a confirmed delete
        else:
            outcome = FAILURE  # the form came back with errors: nothing was saved
        audit_event(
            action=LedgerAction.ADMIN,
            request=request,
            target_label=request.path[:300],
            outcome=outcome,
            details={"event": "request", "method": request.method, "status": status},
        )

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_authenticated and has_role(user, *ADMIN_SITE_ROLES))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not an admin role: no admin for them.

            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
