"""The Django admin site under 三员分立: only the system and security admins may enter.

`is_staff`/`is_superuser` are not what decides: a role does. The admin's own login page is
replaced by the portal's (with lockout and second factor).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

ADMIN_SITE_ROLES = ("security_admin", "system_admin")


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        from agencies.roles import has_role

        user = request.user
        return bool(user.is_active and user.is_authenticated and has_role(user, *ADMIN_SITE_ROLES))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not an admin role: no admin for them.
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
