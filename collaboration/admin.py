from django.contrib import admin

from .models import CollaborationRequest, MatterType, TimelineEntry, TransferReport


@admin.register(MatterType)
class MatterTypeAdmin(admin.ModelAdmin):
    """The working group keeps the list of matter types and their default deadlines."""

    list_display = [
        "name",
        "code",
        "category",
        "default_working_days",
        "is_case_transfer",
        "is_active",
    ]
    list_filter = ["category", "is_case_transfer", "is_active"]
    search_fields = ["name", "code"]
    ordering = ["order", "code"]


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "created_at",
        "action",
        "actor",
        "from_status",
        "to_status",
        "comment",
    )


class TransferReportInline(admin.TabularInline):
    """A transferred case's progress reports (Art. 6(三)), read-only like the timeline."""

    model = TransferReport
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "occurred_on",
        "stage",
        "returned",
        "reported_by",
        "reporter_unit",
        "note",
    )


@admin.register(CollaborationRequest)
class CollaborationRequestAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the services (timeline + ledger)."""

    list_display = ["number", "subject", "requesting_unit", "target_unit", "status", "due_date"]
    list_filter = ["status", "category"]
    search_fields = ["number", "subject"]
    inlines = [TransferReportInline, TimelineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
