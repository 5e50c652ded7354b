"""Admin for the catalog and obligations; state changes go through the services (Art. 20)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append

from .models import CatalogItem, Obligation, SchemaField, SchemaVersion
from .services.catalog import catalog_item_publish, catalog_item_retire, schema_version_publish


def _run(modeladmin, request, queryset, service, arg: str, done: str) -> None:
    count = 0
    for obj in queryset:
        try:
            service(actor=request.user, **{arg: obj})
            count += 1
        except (ApplicationError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
    if count:
        modeladmin.message_user(request, done % {"n": count}, messages.SUCCESS)


class SchemaVersionInline(admin.TabularInline):
    model = SchemaVersion
    extra = 0
    fields = ["version", "note", "published_at", "created_by"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "provider", "sharing_class", "frequency", "status"]
    list_filter = ["status", "sharing_class", "frequency", "transmission", "provider"]
    search_fields = ["code", "name", "resource_code", "provider__name"]
    autocomplete_fields = ["provider"]
    filter_horizontal = ["consumers"]
    readonly_fields = ["status", "published_at", "created_by", "created_at", "updated_at"]
    inlines = [SchemaVersionInline]
    actions = ["publish_items", "retire_items"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        ledger_append(
            action=LedgerAction.CATALOG,
            category=LedgerCategory.WORKFLOW,
            actor=request.user,
            target=obj,
            details={"event": "admin_saved", "changed": sorted(form.changed_data)},
        )

    @admin.action(description=_("发布所选目录项"))
    def publish_items(self, request, queryset):
        _run(self, request, queryset, catalog_item_publish, "item", _("已发布 %(n)d 项。"))

    @admin.action(description=_("停用所选目录项"))
    def retire_items(self, request, queryset):
        _run(self, request, queryset, catalog_item_retire, "item", _("已停用 %(n)d 项。"))


class SchemaFieldInline(admin.TabularInline):
    model = SchemaField
    extra = 0
    fields = [
        "position",
        "key",
        "label",
        "field_type",
        "required",
        "max_length",
        "pattern",
        "enum_values",
        "is_unique_key",
        "is_sensitive",
        "example",
    ]


@admin.register(SchemaVersion)
class SchemaVersionAdmin(admin.ModelAdmin):
    list_display = ["item", "version", "note", "published_at"]
    list_filter = ["item__provider"]
    search_fields = ["item__code", "item__name"]
    readonly_fields = ["published_at", "created_by", "created_at"]
    inlines = [SchemaFieldInline]
    actions = ["publish_versions"]

    def get_inlines(self, request, obj):
        # a version in force is frozen: uploads were validated against it
        return [] if obj is not None and obj.published_at else self.inlines

    @admin.action(description=_("启用所选字段规范版本"))
    def publish_versions(self, request, queryset):
        _run(self, request, queryset, schema_version_publish, "schema", _("已启用 %(n)d 个版本。"))


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    list_display = ["item", "period_label", "due_date", "grace_until", "status"]
    list_filter = ["status", "item__frequency", "item__provider"]
    search_fields = ["item__code", "item__name", "period_label"]
    date_hierarchy = "due_date"
    readonly_fields = [
        "item",
        "period_start",
        "period_end",
        "period_label",
        "due_date",
        "grace_until",
        "status",
        "fulfilled_at",
        "reminded_at",
        "overdue_at",
        "escalated_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # obligations are generated from the catalog, never typed in
