"""API authentication that keeps the page rules: second factor and forced password change.

The page gate (SecurityGateMiddleware) leaves API views to DRF, so without these a session that
passed only the password step could read the API, and a token could stand in for an admin's
second factor. Rules (when settings.PORTAL_2FA_ENFORCED):
- session: refused until the session is verified with the second factor (if the user has a
  device or must have one) and while the password must be changed;
- token: refused for accounts whose role requires a second factor — a static token cannot carry
  one; admins use the pages. Tokens are for integrations of units' systems (docs/SECURITY.md).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from ..passwords import password_expired
from ..services import user_has_confirmed_device, user_requires_2fa


def _needs_second_factor(user) -> bool:
    return user_has_confirmed_device(user) or user_requires_2fa(user)


class PortalSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if getattr(settings, "PORTAL_2FA_ENFORCED", True):
            verified = user.is_verified() if hasattr(user, "is_verified") else False
            if not verified and _needs_second_factor(user):
                raise exceptions.AuthenticationFailed(_("请先在网页上完成双因素认证。"))
        if user.must_change_password or password_expired(user):
            raise exceptions.AuthenticationFailed(_("请先在网页上修改密码。"))
        return result


class PortalTokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if getattr(settings, "PORTAL_2FA_ENFORCED", True) and user_requires_2fa(user):
            raise exceptions.AuthenticationFailed(
                _("该账号的角色要求双因素认证，不能使用 API 令牌。")
            )
        return user, token
