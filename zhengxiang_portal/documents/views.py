"""The working group's numbering settings page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.roles import is_working_group
from zhengxiang_portal.core.errors import ApplicationError

from .models import IssuedDocument
from .services import document_settings_get, document_settings_update


class DocumentSettingsForm(forms.Form):
    number_template = forms.CharField(label=gettext_lazy("文号模板"), max_length=60)
    issuing_unit = forms.CharField(label=gettext_lazy("工作组发文机关"), max_length=100)


def settings_view(request):
    if not is_working_group(request.user):
        raise PermissionDenied(_("只有专项工作组可以设置公文编号。"))
    current = document_settings_get()
    form = DocumentSettingsForm(
        request.POST or None,
        initial={"number_template": current.number_template, "issuing_unit": current.issuing_unit},
    )
    if request.method == "POST" and form.is_valid():
        try:
            document_settings_update(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error("number_template", exc.message)
        else:
            messages.success(request, _("公文编号设置已保存。"))
            return redirect("documents:settings")
    recent = IssuedDocument.objects.select_related("issued_by")[:20]
    return render(request, "documents/settings.html", {"form": form, "recent": recent})
