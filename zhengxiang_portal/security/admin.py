"""The accounts' admin page: roles and unit change only through an approved role change (三员分立).

Here, not in agencies/admin.py: it files role changes and password resets through this package's
services, and agencies (below the project's shared modules) imports none of them.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from agencies.models import User
from agencies.roles import Role
from zhengxiang_portal.core.errors import ApplicationError

from .services import password_after_admin_set, role_change_request


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts: roles and unit change only through an approved role change; no superusers."""

    list_display = ["username", "full_name", "unit", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "unit__kind"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone", "unit")}),
        (_("角色与状态"), {"fields": ("groups", "is_active", "must_change_password")}),
        (_("时间"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    # The unit decides what the account reads in clear (the provider's own people): it changes
    # with the roles, through a role change request (账号与权限 → 申请变更角色).
    readonly_fields = ["unit", "last_login", "date_joined", "password_changed_at"]
    filter_horizontal = ["groups"]

    def save_related(self, request, form, formsets, change):
        roles = sorted(g.name for g in form.cleaned_data.get("groups", []))
        current = sorted(n for n in form.instance.groups.values_list("name", flat=True))
        # Save everything except the groups field: a role change is only a request that another
        # security admin approves (two-person rule, zhengxiang_portal.security).
        form.cleaned_data["groups"] = form.instance.groups.all()
        super().save_related(request, form, formsets, change)
        if roles == current:
            return
        try:
            role_change_request(
                actor=request.user,
                user=form.instance,
                roles=roles,
                reason=str(_("管理后台提交")),
                request=request,
            )
            self.message_user(request, _("角色变更申请已提交，须由另一名安全管理员批准后生效。"))
        except (ApplicationError, PermissionDenied) as exc:
            self.message_user(request, str(getattr(exc, "message", exc)), level="error")

    def user_change_password(self, request, id, form_url=""):
        """Django's admin password form, plus the portal's history, stamp and audit entry."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            password_after_admin_set(actor=request.user, user_id=id, request=request)
        return response

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "groups" in form.base_fields:
            form.base_fields["groups"].queryset = Group.objects.filter(name__in=Role.values)
        return form
