from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .schedule_input import MAX_CSV_BYTES


class OfficialYearForm(forms.Form):
    """A year's State Council schedule, typed (one line per day or range) or as a CSV file."""

    year = forms.IntegerField(label=_("年度"), min_value=2004, max_value=2100)
    source = forms.CharField(
        label=_("文件依据"),
        max_length=200,
        required=False,
        help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）"),
    )
    text = forms.CharField(
        label=_("放假与调休上班日期"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            "每行一个日期或日期范围，写明“休”（放假）或“班”（调休上班），可加节日名称，"
            "例如：2027-10-01~2027-10-07 休 国庆节；2027-09-26 班 国庆节。"
        ),
    )
    file = forms.FileField(
        label=_("或导入 CSV 文件"),
        required=False,
        help_text=_("每行：日期,类型(休/班),名称（可省略）；首行可为表头；UTF-8 或 GBK 编码。"),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and upload.size > MAX_CSV_BYTES:
            self.add_error("file", _("文件过大：一年的节假日安排不应超过 256 KB。"))
        if not (cleaned.get("text") or "").strip() and upload is None:
            raise forms.ValidationError(_("请填写放假与调休上班日期，或选择 CSV 文件。"))
        if (cleaned.get("text") or "").strip() and upload is not None:
            raise forms.ValidationError(_("请只用一种方式：填写日期或导入文件，不要同时使用。"))
        return cleaned


class CalendarOverrideForm(forms.Form):
    """One day made a rest day or a working day (临时调整), beyond the official schedule."""

    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.TypedChoiceField(
        label=_("调整为"),
        choices=[("0", _("休息日")), ("1", _("工作日"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
