from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .models import Unit, UnitKind


class _UnitsByKind(ModelChoiceIterator):
    """Units in one <optgroup> per kind (in UnitKind's order), by unit code within a kind."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for unit in self.queryset.order_by("code"):
            groups.setdefault(unit.kind, []).append(self.choice(unit))
        for kind, label in UnitKind.choices:
            if kind in groups:
                yield (label, groups[kind])


class UnitByKindChoiceField(forms.ModelChoiceField):
    """A unit picker for long lists (36 units): grouped by kind, sorted, so a unit is found."""

    iterator = _UnitsByKind

    def label_from_instance(self, obj):
        return obj.name


class UnitFilterForm(forms.Form):
    q = forms.CharField(
        label=_("关键词"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("名称、简称或代码")}),
    )
    kind = forms.ChoiceField(
        label=_("单位类型"), required=False, choices=[("", _("全部类型")), *UnitKind.choices]
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *Unit.Category.choices]
    )
