from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Unit, UnitKind


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
