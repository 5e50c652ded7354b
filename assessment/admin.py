"""Admin for the working group: schemes are validated by the same rules as the page (Art. 25)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.errors import ApplicationError

from .models import (
    ConfidentialityBreach,
    Indicator,
    IndicatorScheme,
    Period,
    RectificationOrder,
    ScoreAdjustment,
)
from .services import scheme_validate_rows


class IndicatorInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if self.instance.pk and self.instance.period.is_frozen:
            raise ValidationError(_("考核期间已冻结，指标体系不能再修改。"))
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            scheme_validate_rows(rows)
        except ApplicationError as exc:
            raise ValidationError(str(exc.message)) from exc


class IndicatorInline(admin.TabularInline):
    model = Indicator
    formset = IndicatorInlineFormSet
    extra = 0
    fields = ["position", "name", "weight", "kind", "params", "description"]


@admin.register(IndicatorScheme)
class IndicatorSchemeAdmin(admin.ModelAdmin):
    list_display = ["period", "updated_at", "updated_by"]
    inlines = [IndicatorInline]
    readonly_fields = ["period", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False  # created with its period (services.period_create)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "start", "end", "status", "computed_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["status", "frozen_at", "frozen_by", "computed_at"]


@admin.register(ConfidentialityBreach)
class ConfidentialityBreachAdmin(admin.ModelAdmin):
    list_display = ["occurred_on", "unit", "reference", "recorded_by"]
    list_filter = ["occurred_on"]
    search_fields = ["unit__name", "description", "reference"]

    def has_change_permission(self, request, obj=None):
        return False  # recorded through services.breach_record (ledgered)

    def has_add_permission(self, request):
        return False


@admin.register(ScoreAdjustment)
class ScoreAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "period", "unit", "indicator", "value", "actor"]
    readonly_fields = [f.name for f in ScoreAdjustment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RectificationOrder)
class RectificationOrderAdmin(admin.ModelAdmin):
    list_display = ["pk", "unit", "failure", "status", "due_date", "issued_at"]
    list_filter = ["status", "failure"]
    search_fields = ["unit__name", "facts"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
