"""The gate every signed-in page request passes: second factor, then forced password change.

Order matters: the second factor comes first. A user with a second factor proves it before
anything else, and a user whose role requires one but has none enrols first: a stolen password
alone reaches nothing but the verify and enrol pages and logout — not the password change, which
would let the thief lock the owner out. Then a forced or expired password is changed. The page
the gate sends the user to is reachable because it is the gate's answer, not because it is
exempt. API views (token auth) are left to DRF; tokens are issued per account by the security
admin.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from rest_framework.views import APIView

from zhengxiang_portal.core.network import client_ip, current_client_ip

from .passwords import password_expired
from .services import user_has_confirmed_device, user_requires_2fa

# URL names a signed-in user may reach before passing the gate, and why (tests/security/
# test_two_factor.py walks each). Nothing else: the forced password change is reached as the
# gate's own answer once the second factor is verified.
EXEMPT_URL_NAMES: dict[str, str] = {
    "logout": "leaving must always work, also half signed in",
    "login": "signing in as someone else (the login view redirects a signed-in user onwards)",
    "set_language": "switches the language of the gate's own pages; reads and writes no data",
    "healthz": "the monitoring probe; reports service state only",
    "security:otp_verify": "the second factor itself",
    "security:otp_setup": (
        "first enrolment; the view sends an account that already has a device to verify first"
    ),
}


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
        if target is None or target == request.path:
            return None
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _gate(request, user) -> str | None:
        enforced = getattr(settings, "PORTAL_2FA_ENFORCED", True)
        verified = user.is_verified() if hasattr(user, "is_verified") else False
        if enforced and not verified and user_has_confirmed_device(user):
            return reverse("security:otp_verify")
        if enforced and not verified and user_requires_2fa(user):
            return reverse("security:otp_setup")
        if user.must_change_password or password_expired(user):
            return reverse("security:password_change")
        return None
