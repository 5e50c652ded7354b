"""Filter form of the ledger pages (working group and auditor)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import User
from zhengxiang_portal.core.forms import applied_filters

from .actions import LedgerAction, LedgerCategory
from .selectors import LedgerFilters, ledger_unit_ids, user_may_read_ledger


class LedgerFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=None, required=False, empty_label=_("全部")
    )
    item = forms.ModelChoiceField(
        label=_("目录项"), queryset=None, required=False, empty_label=_("全部")
    )
    action = forms.ChoiceField(
        label=_("动作"), choices=[("", _("全部")), *LedgerAction.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *LedgerCategory.choices], required=False
    )
    start = forms.DateField(
        label=_("自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target_type = forms.CharField(required=False, widget=forms.HiddenInput)
    target_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        actions: list[tuple[str, str]] | None = None,
        user: User | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        item_field = self.fields["item"]
        assert isinstance(unit_field, forms.ModelChoiceField)  # noqa: S101 (typing narrowing)
        assert isinstance(item_field, forms.ModelChoiceField)  # noqa: S101
        unit_field.queryset = apps.get_model("agencies", "Unit").objects.order_by("code")
        item_field.queryset = apps.get_model("sharing_catalog", "CatalogItem").objects.order_by(
            "code"
        )
        if user is not None and not user_may_read_ledger(user=user):
            # A unit's own 台账: only its own units, and the items they provide or consume.
            own = list(ledger_unit_ids(user=user))
            unit_field.queryset = unit_field.queryset.filter(pk__in=own)
            item_field.queryset = item_field.queryset.filter(
                Q(provider_id__in=own) | Q(consumers__in=own)
            ).distinct()
        if actions is not None:
            self.fields["action"].choices = [("", _("全部")), *actions]  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        return data

    def filters(self) -> LedgerFilters:
        """The valid filters; a wrong one is shown next to its field and left out."""
        data = applied_filters(self)
        return LedgerFilters(
            unit_id=data["unit"].pk if data.get("unit") else None,
            item_id=data["item"].pk if data.get("item") else None,
            action=data.get("action") or "",
            category=data.get("category") or "",
            target_type=data.get("target_type") or "",
            target_id=data.get("target_id") or "",
            start=data.get("start"),
            end=data.get("end"),
        )
