"""Forms of the obligation pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from zhengxiang_portal.core.forms import ShortModelChoiceField

from ..models import Obligation


class ObligationFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Obligation.Status.choices]
    )
    provider = ShortModelChoiceField(
        label=_("提供单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部")
    )
    due_from = forms.DateField(
        label=_("截止日自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        label=_("截止日至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            self.fields.pop("provider")
        else:
            self.fields["provider"].queryset = units
