from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.errors import ApplicationError

from .models import Liaison, Unit, User, WorkingGroupMember
from .roles import Role
from .services import liaison_save

# 三员分立: the admin is no side door. Who holds a role, acts for a unit (guardian's object
# permission act_for_unit), belongs to a unit or is a unit's liaison account changes only through
# a role change request that a second security admin approves (security.services), which writes
# the ledger. So no object-permission pages (a plain ModelAdmin, not guardian's
# GuardedModelAdmin), and the account and unit of a liaison or user are read-only here.
# tests/security/test_admin_side_doors.py sends every admin page a grant and checks none holds.


class LiaisonInline(admin.TabularInline):
    """The unit's liaisons, shown; edited on the liaison page (contact details only)."""

    model = Liaison
    extra = 0
    fields = ["name", "phone", "email", "position", "is_primary", "is_active", "user"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "category", "responsible_department", "is_active"]
    list_filter = ["category", "kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    inlines = [LiaisonInline]


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "phone", "is_primary", "is_active", "user"]
    list_filter = ["is_primary", "is_active", "unit__kind"]
    search_fields = ["name", "phone", "unit__name"]
    autocomplete_fields = ["unit"]

    def get_readonly_fields(self, request, obj=None):
        # The account is linked by an approved role change; a linked liaison's unit likewise.
        if obj is not None and obj.user_id is not None:
            return ["user", "unit", "is_active"]
        return ["user", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted contact would leave its account acting for the unit

    def save_model(self, request, obj, form, change):
        saved = liaison_save(
            actor=request.user,
            unit=obj.unit,
            name=obj.name,
            phone=obj.phone,
            email=obj.email,
            position=obj.position,
            is_primary=obj.is_primary,
            liaison=obj if change else None,
        )
        obj.pk = saved.pk


@admin.register(WorkingGroupMember)
class WorkingGroupMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "position", "duties"]
    list_filter = ["position"]
    autocomplete_fields = ["user", "unit"]


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
        from zhengxiang_portal.security.services import role_change_request

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
            from zhengxiang_portal.security.services import password_after_admin_set

            password_after_admin_set(actor=request.user, user_id=id, request=request)
        return response

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "groups" in form.base_fields:
            form.base_fields["groups"].queryset = Group.objects.filter(name__in=Role.values)
        return form


admin.site.unregister(Group)
admin.site.site_header = _("蒸湘区税费精诚共治平台 · 管理后台")
admin.site.site_title = _("共治平台管理")
