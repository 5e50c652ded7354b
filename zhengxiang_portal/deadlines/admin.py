from django.contrib import admin

from .models import CalendarOverride
from .services import calendar_override_delete, calendar_override_set


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_working_day", "note", "updated_at"]
    list_filter = ["is_working_day"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        saved = calendar_override_set(
            day=obj.day, is_working_day=obj.is_working_day, note=obj.note, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        calendar_override_delete(day=obj.day, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            calendar_override_delete(day=obj.day, actor=request.user)
