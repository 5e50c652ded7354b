"""The gate every signed-in page request passes: second factor, then forced password change.

Order matters: a user with a second factor proves it before anything else (a stolen password
alone must not reach the password-change page), then a forced or expired password is changed,
then a user whose role requires 2FA but has no device is sent to enrol. API views (token auth)
are left to DRF; tokens are issued per account by the security admin.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from rest_framework.views import APIView

from .network import client_ip, current_client_ip
from .passwords import password_expired

# URL names a signed-in user may reach before passing the gate.
EXEMPT_URL_NAMES = frozenset(
    {
        "logout",
        "login",
        "set_language",
        "healthz",
        "security:otp_verify",
        "security:otp_setup",
        "security:password_change",
    }
)


class SecurityGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_client_ip.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_URL_NAMES:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        target = self._gate(request, user)
        if target is None:
            return None
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _gate(request, user) -> str | None:
        from django.urls import reverse

        from .services import user_has_confirmed_device, user_requires_2fa

        enforced = getattr(settings, "PORTAL_2FA_ENFORCED", True)
        verified = user.is_verified() if hasattr(user, "is_verified") else False
        if enforced and not verified and user_has_confirmed_device(user):
            return reverse("security:otp_verify")
        if user.must_change_password or password_expired(user):
            return reverse("security:password_change")
        if enforced and not verified and user_requires_2fa(user):
            return reverse("security:otp_setup")
        return None
