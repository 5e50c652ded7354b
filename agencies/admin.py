from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .models import Liaison, Unit, WorkingGroupMember
from .services import liaison_save

# 三员分立: the admin is no side door. Who holds a role, acts for a unit (guardian's object
# permission act_for_unit), belongs to a unit or is a unit's liaison account changes only through
# a role change request that a second security admin approves (security.services), which writes
# the ledger. So no object-permission pages (a plain ModelAdmin, not guardian's
# GuardedModelAdmin), and the account and unit of a liaison or user are read-only here.
# tests/security/test_admin_side_doors.py sends every admin page a grant and checks none holds.
# The accounts' page (UserAdmin) is zhengxiang_portal/security/admin.py: it files role changes
# and password resets through the security services.


class LiaisonInline(admin.TabularInline):
    """The unit's liaisons, shown; edited on the liaison page (contact details only)."""

    model = Liaison
    extra = 0
    fields = readonly_fields = (
        "name",
        "phone",
        "email",
        "position",
        "is_primary",
        "is_active",
        "user",
    )

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


admin.site.unregister(Group)
admin.site.site_header = _("蒸湘区税费精诚共治平台 · 管理后台")
admin.site.site_title = _("共治平台管理")
