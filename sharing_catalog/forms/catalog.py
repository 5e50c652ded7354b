"""Forms of the catalog pages: filters, the item form and the schema editor formset."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from zhengxiang_portal.core.forms import ShortModelChoiceField

from ..models import CatalogItem, FieldType
from ..services.catalog import ITEM_EDITABLE_FIELDS


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    provider = ShortModelChoiceField(
        label=_("提供单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部")
    )
    sharing_class = forms.ChoiceField(
        label=_("共享类型"),
        required=False,
        choices=[("", _("全部")), *CatalogItem.SharingClass.choices],
    )
    frequency = forms.ChoiceField(
        label=_("更新周期"),
        required=False,
        choices=[("", _("全部")), *CatalogItem.Frequency.choices],
    )

    def __init__(self, *args, show_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Unit.objects.filter(
            provided_items__isnull=False
        ).distinct()
        if show_status:
            self.fields["status"] = forms.ChoiceField(
                label=_("状态"),
                required=False,
                choices=[("", _("全部")), *CatalogItem.Status.choices],
            )


class CatalogItemForm(forms.ModelForm):
    """Metadata of a catalog item (the 政务信息资源目录 core metadata included)."""

    consumers = forms.ModelMultipleChoiceField(
        label=_("需求单位"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = CatalogItem
        fields = list(ITEM_EDITABLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Unit.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["consumers"].initial = list(
                self.instance.consumers.values_list("pk", flat=True)
            )
            if self.instance.status != CatalogItem.Status.DRAFT:
                self.fields["code"].disabled = True


class SchemaFieldForm(forms.Form):
    """One row of the schema editor."""

    key = forms.SlugField(label=_("字段标识"), max_length=50, required=False)
    label = forms.CharField(label=_("中文名称"), max_length=50, required=False)
    field_type = forms.ChoiceField(
        label=_("类型"), choices=FieldType.choices, initial=FieldType.TEXT
    )
    required = forms.BooleanField(label=_("必填"), required=False)
    is_unique_key = forms.BooleanField(label=_("唯一键"), required=False)
    max_length = forms.IntegerField(label=_("最大长度"), required=False, min_value=1)
    pattern = forms.CharField(label=_("格式（正则）"), max_length=200, required=False)
    enum_values = forms.CharField(
        label=_("枚举值"),
        required=False,
        help_text=_("用逗号或顿号分隔"),
        widget=forms.TextInput(attrs={"placeholder": _("如：正常、注销、吊销")}),
    )
    is_sensitive = forms.BooleanField(label=_("敏感"), required=False)
    example = forms.CharField(label=_("示例"), max_length=100, required=False)
    help_text = forms.CharField(label=_("填写说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the editor is a table: label each input for readers
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("key") or data.get("label"))


SchemaFieldFormSet = forms.formset_factory(SchemaFieldForm, extra=3, can_delete=True)


class SchemaNoteForm(forms.Form):
    note = forms.CharField(label=_("变更说明"), max_length=200, required=False)
