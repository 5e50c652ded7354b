"""Django's ModelBackend, with a user's model permissions read from the authorisation snapshot."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    """Same rules as ModelBackend; `get_all_permissions` (what has_perm asks) comes from
    agencies.authz, which reads the two permission queries once per change of the account."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        from .authz import snapshot_for

        return set(snapshot_for(user_obj).permissions)
