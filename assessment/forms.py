import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from zhengxiang_portal.core.forms import MultipleFileField

from .models import ConfidentialityBreach, Period, RectificationOrder
from .rules import RuleKind


class PeriodCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Period.Kind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2020, max_value=2100)
    quarter = forms.IntegerField(label=_("季度"), min_value=1, max_value=4, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        if data.get("kind") == Period.Kind.QUARTER and not data.get("quarter"):
            self.add_error("quarter", _("季度考核须填写季度。"))
        return data


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("指标名称"), max_length=60)
    weight = forms.DecimalField(label=_("权重"), max_digits=5, decimal_places=2, min_value=0)
    kind = forms.ChoiceField(label=_("评分规则"), choices=RuleKind.choices)
    params = forms.CharField(
        label=_("规则参数（JSON）"),
        required=False,
        help_text=_('如 {"max": 100, "deduction": 10}'),
        widget=forms.TextInput(attrs={"class": "mono"}),
    )
    description = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean_params(self):
        raw = (self.cleaned_data.get("params") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(_("参数不是有效的 JSON。")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("参数必须是 JSON 对象。"))
        return value


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=1, can_delete=True)


class AdjustForm(forms.Form):
    value = forms.DecimalField(label=_("调整后得分"), max_digits=8, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 3}))


class BreachForm(forms.ModelForm):
    class Meta:
        model = ConfidentialityBreach
        fields = ["unit", "occurred_on", "description", "reference"]
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("code")


class OrderForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("被责令单位"), queryset=Unit.objects.none())
    period = forms.ModelChoiceField(
        label=_("考核期间"), queryset=Period.objects.none(), required=False
    )
    failure = forms.ChoiceField(label=_("问题类型"), choices=RectificationOrder.Failure.choices)
    facts = forms.CharField(label=_("事实与依据"), widget=forms.Textarea(attrs={"rows": 4}))
    requirement = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}))
    working_days = forms.IntegerField(
        label=_("整改期限（工作日）"), min_value=1, max_value=60, initial=10
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("code")
        self.fields["period"].queryset = Period.objects.order_by("-start")


class AnswerForm(forms.Form):
    correction = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label=_("整改材料"), help_text=_("可附多个文件（如整改报告、补报数据的回执）。")
    )


class AccountabilityForm(forms.Form):
    """问责 for an escalated order (Art. 27–28); the service checks and records it.

    The text fields are not `required` here: the service holds the rule and its messages.
    """

    persons = forms.CharField(
        label=_("责任人员"),
        required=False,
        help_text=_("每行一人：姓名、职务。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decision = forms.CharField(
        label=_("问责决定"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    referred_to = forms.CharField(
        label=_("有权部门"), required=False, help_text=_("如纪检监察机关、主管部门。")
    )
    decided_on = forms.DateField(
        label=_("决定日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    files = MultipleFileField(label=_("问责材料"), help_text=_("可附问责决定书等文件。"))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"), choices=[("close", _("整改到位，办结")), ("escalate", _("升级问责"))]
    )
    note = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
