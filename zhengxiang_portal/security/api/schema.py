"""OpenAPI description of the portal's authentication classes (drf-spectacular extension)."""

from drf_spectacular.authentication import SessionScheme


class PortalSessionScheme(SessionScheme):
    target_class = "zhengxiang_portal.security.api.authentication.PortalSessionAuthentication"
