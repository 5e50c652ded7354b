"""Django's ModelBackend, with a user's model permissions read from the authorisation snapshot
and the session's account read together with its unit (every page's top bar names the unit)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .authz import snapshot_for


class PortalModelBackend(ModelBackend):
    """Same rules as ModelBackend; `get_all_permissions` (what has_perm asks) comes from
    agencies.authz, which reads the two permission queries once per change of the account."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()

        return set(snapshot_for(user_obj).permissions)

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("unit").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
