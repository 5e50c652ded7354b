"""Forms of the collaboration pages: filters, the new-request form and one form per step."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.forms import UnitByKindChoiceField
from agencies.models import Unit, UnitKind, User
from agencies.roles import Role, has_role, is_working_group
from agencies.selectors import units_acted_for
from zhengxiang_portal.core.forms import MultipleFileField, ShortModelChoiceField

from .models import (
    RETURN_DECISION_CHOICES,
    AdminHandling,
    Category,
    CollaborationRequest,
    MatterType,
    Priority,
    Status,
    TransferOutcome,
)
from .selectors import assignee_candidates

M = TypeVar("M", bound=Model)


def _files_field() -> MultipleFileField:
    """The step forms' `files` field.

    Its name is the input's name on the pages and in the API (`files`), so it stays. django-stubs
    types `BaseForm.files` (the bound upload data) as a class attribute, while Django's form
    metaclass takes declared fields out of the class into `base_fields`: a field called `files`
    never shadows `form.files`, but mypy sees an assignment of a field to it. Each such line
    carries `# type: ignore[assignment]` for that reason alone.
    """
    return MultipleFileField(label=_("附件"), help_text=_("可选择多个文件。"))


def _model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """Field `name` of `form`, a model choice field whose queryset the form narrows per user."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field")
    return field


class DateInput(forms.DateInput):
    """An HTML date picker; its value must be ISO (yyyy-mm-dd), whatever the locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str = "%Y-%m-%d") -> None:
        super().__init__(attrs, format=format)


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或标题"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *Category.choices]
    )
    unit = ShortModelChoiceField(
        label=_("单位"),
        required=False,
        queryset=Unit.objects.filter(is_active=True),
        empty_label=_("全部"),
    )
    direction = forms.ChoiceField(
        label=_("方向"),
        required=False,
        choices=[("", _("全部")), ("incoming", _("收到的")), ("outgoing", _("发出的"))],
    )
    overdue = forms.BooleanField(label=_("仅逾期"), required=False)
    outcome = forms.ChoiceField(
        label=_("案件进展"),
        required=False,
        choices=[("", _("全部")), *TransferOutcome.choices],
    )
    admin_result = forms.ChoiceField(
        label=_("行政处理结果"),
        required=False,
        choices=[("", _("全部")), *AdminHandling.choices],
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choices(self, "unit").queryset = _units_for(user)


def _sees_all_units(user: User) -> bool:
    return is_working_group(user) or has_role(user, Role.TAX_STAFF)


def _units_for(user: User | None) -> QuerySet[Unit]:
    """Units a user may pick: all for tax staff and the WG; a liaison their own and the bureau."""
    qs = Unit.objects.filter(is_active=True)
    if user is None or _sees_all_units(user):
        return qs
    return qs.filter(
        Q(pk__in=units_acted_for(user=user).values("pk")) | Q(kind=UnitKind.TAX_BUREAU)
    )


class RequestCreateForm(forms.Form):
    """The new-request form: targets grouped by kind without the requester's own units.

    The assignee list follows the chosen target unit (an htmx fragment, `assignee_options`
    view); the same rule (`assignee_candidates`) validates the pick here and in the service.
    """

    requesting_unit = forms.ModelChoiceField(label=_("请求单位"), queryset=Unit.objects.none())
    target_unit = UnitByKindChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    matter_type = forms.ModelChoiceField(
        label=_("事项类型"), queryset=MatterType.objects.filter(is_active=True)
    )
    category = forms.ChoiceField(
        label=_("协作类别"),
        required=False,
        choices=[("", _("按事项类型")), *Category.choices],
        help_text=_("第六条：征管、监管、司法、服务及其他协作。"),
    )
    subject = forms.CharField(label=_("事项标题"), max_length=200)
    body = forms.CharField(label=_("请求内容"), widget=forms.Textarea)
    legal_basis = forms.CharField(
        label=_("法律依据"),
        required=False,
        max_length=500,
        help_text=_("留空则使用事项类型的依据。"),
    )
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices)
    assignee = forms.ModelChoiceField(
        label=_("承办人"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("（默认承办人）"),
        help_text=_(
            "可选的承办人随承办单位变化；留空则由承办单位主联络员（税务局为税务工作人员）承办。"
        ),
        error_messages={
            "invalid_choice": _(
                "所选承办人不属于该承办单位（须为其联络员，税务局为税务工作人员），请重新选择。"
            )
        },
    )
    due_date = forms.DateField(
        label=_("办理期限"),
        required=False,
        widget=DateInput,
        help_text=_("留空则按事项类型的默认工作日数计算；只能晚于默认期限。"),
    )
    files = _files_field()  # type: ignore[assignment]  # see _files_field

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        acted = Unit.objects.filter(pk__in=units_acted_for(user=user).values("pk"))
        own = {u.pk for u in acted}
        if user.unit_id:
            acted = acted | Unit.objects.filter(pk=user.unit_id)
            own.add(user.unit_id)
        _model_choices(self, "requesting_unit").queryset = acted.distinct()
        if user.unit_id:
            self.fields["requesting_unit"].initial = user.unit_id
        targets = Unit.objects.filter(is_active=True).exclude(pk__in=own)
        if not has_role(user, Role.TAX_STAFF):
            # A unit's requests go to the tax bureau (Art. 7), answered by its tax staff.
            targets = targets.filter(kind=UnitKind.TAX_BUREAU)
        _model_choices(self, "target_unit").queryset = targets
        self.fields["target_unit"].widget.attrs.update(
            {
                "hx-get": reverse("collaboration:request_form_assignees"),
                "hx-target": "#id_assignee",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )
        self.fields["matter_type"].widget.attrs.update(
            {
                "hx-get": reverse("collaboration:request_form_deadline"),
                "hx-target": "#deadline-preview",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )
        target = self.chosen(targets, "target_unit")
        if target is None and len(targets) == 1:
            target = targets[0]
            self.fields["target_unit"].initial = target.pk
        if target is not None:
            _model_choices(self, "assignee").queryset = assignee_candidates(unit=target)

    def chosen(self, queryset: QuerySet[M], name: str) -> M | None:
        """The object picked in field `name` (bound data or initial), if it is one of `queryset`."""
        raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if raw is None:
            return None
        try:
            return queryset.get(pk=int(raw))
        except (TypeError, ValueError, ObjectDoesNotExist):
            return None


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea)
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class OutcomeForm(forms.Form):
    """One progress report on a transferred case (Art. 6(三)); a case gets several."""

    outcome = forms.ChoiceField(label=_("案件进展"), choices=TransferOutcome.choices)
    occurred_on = forms.DateField(
        label=_("日期"), required=False, widget=DateInput, help_text=_("留空为今天。")
    )
    note = forms.CharField(label=_("进展说明"), widget=forms.Textarea)
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class ReturnForm(forms.Form):
    """Return a case for administrative handling (退回行政处理, Art. 6(三))."""

    outcome = forms.ChoiceField(label=_("决定"), choices=RETURN_DECISION_CHOICES)
    occurred_on = forms.DateField(
        label=_("决定日期"), required=False, widget=DateInput, help_text=_("留空为今天。")
    )
    reason = forms.CharField(
        label=_("决定理由及行政处理意见"),
        widget=forms.Textarea,
        help_text=_(
            "第六条第三项：对相关当事人需要给予行政处罚的，应当向同级税务部门提出意见、及时移送。"
        ),
    )
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class HandlingForm(forms.Form):
    """The tax bureau's administrative handling of a returned case (Art. 6(三))."""

    result = forms.ChoiceField(
        label=_("行政处理结果"), choices=AdminHandling.choices, widget=forms.RadioSelect
    )
    decision_number = forms.CharField(
        label=_("处罚决定书文号"),
        required=False,
        max_length=80,
        help_text=_("行政处罚时必填，如 衡蒸税稽罚〔2026〕12号。"),
    )
    decided_on = forms.DateField(label=_("决定日期"), required=False, widget=DateInput)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        widget=forms.Textarea,
        help_text=_("不予行政处罚时须写明理由。"),
    )
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("需补充的内容"),
        widget=forms.Textarea,
        help_text=_("补充说明期间办理时限暂停计算。"),
    )
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class ClarificationForm(forms.Form):
    clarification = forms.CharField(label=_("补充说明"), widget=forms.Textarea)
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class RefuseForm(forms.Form):
    justification = forms.CharField(
        label=_("拒绝理由"),
        widget=forms.Textarea,
        help_text=_("第七条：不得无故拒绝。须书面说明理由，请求单位可提出异议，由工作组裁定。"),
    )
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class ContestForm(forms.Form):
    reason = forms.CharField(label=_("异议理由"), widget=forms.Textarea)
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class ContestReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("对异议的答复"),
        widget=forms.Textarea,
        help_text=_("工作组裁定前，拒绝单位可说明拒绝的依据；答复记入办理记录。"),
    )
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class RuleForm(forms.Form):
    ruling = forms.ChoiceField(
        label=_("裁定"),
        choices=[("justified", _("拒绝有正当理由")), ("unjustified", _("无故拒绝，退回继续办理"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("裁定意见"), widget=forms.Textarea)
    new_due_date = forms.DateField(
        label=_("新的办理期限"),
        required=False,
        widget=DateInput,
        help_text=_("无故拒绝时适用；留空则按事项类型默认工作日数重新计算。"),
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea)
    new_due_date = forms.DateField(label=_("申请延至"), widget=DateInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea)
    files = _files_field()  # type: ignore[assignment]  # see _files_field


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("承办人"), queryset=User.objects.none())
    comment = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args: Any, req: CollaborationRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if req is not None:
            _model_choices(self, "assignee").queryset = assignee_candidates(unit=req.target_unit)


class AttachForm(forms.Form):
    files = MultipleFileField(label=_("附件"), required=True)  # type: ignore[assignment]  # see _files_field
    comment = forms.CharField(label=_("说明"), required=False)


class StatisticsForm(forms.Form):
    """A period for the statistics: a month (月度统计), or any start and end dates."""

    month = forms.RegexField(
        label=_("月份"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("月份格式应为 2026-11。")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    start = forms.DateField(label=_("期限自"), widget=DateInput, required=False)
    end = forms.DateField(label=_("期限至"), widget=DateInput, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("month"):
            year, month = (int(part) for part in data["month"].split("-"))
            data["start"] = dt.date(year, month, 1)
            data["end"] = dt.date(year, month, calendar.monthrange(year, month)[1])
        elif self.errors:
            return data
        elif not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("请选择月份，或填写期限起止日期。"))
        elif data["end"] < data["start"]:
            raise forms.ValidationError(_("结束日期不能早于开始日期。"))
        return data
