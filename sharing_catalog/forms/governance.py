"""Forms of the grant, agreement, coordination, purpose and unmask pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from sharing_catalog.models import CatalogItem, CoordinationRequest, Objection, OffPlatformAgreement
from sharing_catalog.purposes import StatutoryPurpose

DATE = forms.DateInput(attrs={"type": "date"})


class PurposeForm(forms.Form):
    """The purpose step: a statutory duty from the list, with text (Art. 24, 27)."""

    purpose = forms.ChoiceField(
        label=_("用途（法定职责）"), choices=[("", "—"), *StatutoryPurpose.choices]
    )
    purpose_text = forms.CharField(
        label=_("具体说明"),
        max_length=300,
        required=False,
        help_text=_("选择“其他法定职责”时必填。所获信息仅用于履行法定职责，不得擅自公开。"),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class GrantApplyForm(forms.Form):
    consumer = forms.ModelChoiceField(label=_("申请单位"), queryset=Unit.objects.none())
    purpose = forms.ChoiceField(label=_("用途（法定职责）"), choices=StatutoryPurpose.choices)
    purpose_text = forms.CharField(label=_("用途说明"), max_length=300, required=False)
    legal_basis = forms.CharField(
        label=_("法律依据"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如《中华人民共和国税收征收管理法》第五条、《实施办法》第十九条。"),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["consumer"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (typing narrowing)
        field.queryset = units if units is not None else Unit.objects.none()
        if units is not None and units.count() == 1:
            field.initial = units.first()


class GrantDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("决定"),
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_until = forms.DateField(
        label=_("授权截止日期"), required=False, widget=DATE, help_text=_("不填默认一年。")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = OffPlatformAgreement
        fields = [
            "provider",
            "consumer",
            "item",
            "content",
            "format_standard",
            "method",
            "frequency",
            "signed_on",
            "target_migration_date",
        ]
        widgets = {
            "signed_on": DATE,
            "target_migration_date": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("provider", "consumer"):
            self.fields[name].queryset = Unit.objects.filter(is_active=True).order_by("code")  # type: ignore[attr-defined]
        self.fields["item"].queryset = CatalogItem.objects.order_by("code")  # type: ignore[attr-defined]


class CoordinationForm(forms.Form):
    item = forms.ModelChoiceField(label=_("目录项"), queryset=CatalogItem.objects.none())
    reason = forms.ChoiceField(label=_("原因类别"), choices=CoordinationRequest.Reason.choices)
    reason_text = forms.CharField(label=_("具体原因"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items if items is not None else CatalogItem.objects.none()  # type: ignore[attr-defined]


class CoordinationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("协调决定"),
        choices=[
            (CoordinationRequest.Status.EXEMPT, _("同意豁免至指定日期")),
            (CoordinationRequest.Status.PLAN, _("按计划整改（指定完成日期）")),
            (CoordinationRequest.Status.REJECTED, _("不予豁免")),
        ],
        widget=forms.RadioSelect,
    )
    exempt_until = forms.DateField(label=_("豁免至"), required=False, widget=DATE)
    plan_target_date = forms.DateField(label=_("计划完成日期"), required=False, widget=DATE)
    comment = forms.CharField(
        label=_("工作组意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UnmaskGrantForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("授予单位（全部在岗联络员）"),
        queryset=Unit.objects.filter(is_active=True).order_by("code"),
    )


class FieldDisclosureForm(forms.Form):
    """The working group lets one consuming unit see one sensitive field in clear for a purpose."""

    consumer = forms.ModelChoiceField(label=_("需求单位"), queryset=Unit.objects.none())
    field_key = forms.ChoiceField(label=_("敏感字段"))
    purpose = forms.ChoiceField(label=_("用途"), choices=StatutoryPurpose.choices)

    def __init__(self, *args, item, field_choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consumer"].queryset = item.consumers.order_by("code")
        self.fields["field_key"].choices = field_choices


class ObjectionRaiseForm(forms.Form):
    """Raise an objection on the ticked rows (none ticked: the whole version)."""

    category = forms.ChoiceField(label=_("异议类别"), choices=Objection.Category.choices)
    fields = forms.MultipleChoiceField(
        label=_("涉及字段"), required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("异议说明"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = [(f.key, f.label) for f in fields]  # type: ignore[attr-defined]


class ExplainForm(forms.Form):
    explanation = forms.CharField(label=_("解释说明"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectForm(forms.Form):
    correction = forms.ModelChoiceField(label=_("更正后的数据版本"), queryset=None)

    def __init__(self, *args, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["correction"].queryset = versions  # type: ignore[attr-defined]
        self.fields["correction"].label_from_instance = lambda s: (
            _("第 %(v)s 版（已确认）")
            % {  # type: ignore[attr-defined]
                "v": s.version
            }
        )


class DisputeForm(forms.Form):
    text = forms.CharField(label=_("对答复的异议"), widget=forms.Textarea(attrs={"rows": 3}))


class ArbitrationForm(forms.Form):
    reason = forms.CharField(label=_("申请裁决理由"), widget=forms.Textarea(attrs={"rows": 3}))


class RulingForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("裁决"),
        choices=[("1", _("异议成立")), ("0", _("异议不成立"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("裁决意见"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("办结原因"), choices=Objection.ClosingReason.choices)
    text = forms.CharField(label=_("办结说明"), max_length=500, required=False)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [  # type: ignore[attr-defined]
            (v, label) for v, label in Objection.ClosingReason.choices if v in reasons
        ]
