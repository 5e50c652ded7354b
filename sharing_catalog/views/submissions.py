"""Pages of the submission pipeline: upload, progress, errors, confirm, versions, receipt."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import Obligation, Submission
from sharing_catalog.selectors.catalog import schema_in_force
from sharing_catalog.selectors.entitlements import reader_unit_ids
from sharing_catalog.selectors.submissions import (
    new_data_for,
    obligation_submissions,
    provider_obligation_get,
    received_list,
    submission_get,
    submission_readable_data,
    user_provides_item,
)
from sharing_catalog.services.ingest.upload import DuplicateFile, submission_upload
from sharing_catalog.services.submissions import (
    receipt_acknowledge,
    submission_confirm,
    submission_diff,
    submission_export,
    submission_marked_file,
    submission_original_file,
)
from sharing_catalog.views.governance import purpose_step
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.registry import (
    HomePanel,
    NavItem,
    register_home_panel,
    register_nav,
    set_nav_section,
)
from zhengxiang_portal.core.tables import Paginator
from zhengxiang_portal.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    file_response,
    list_export_response,
)

ERRORS_PER_PAGE = 50
# The navigation entry a submission page belongs to: the provider's tasks, a consumer's data.
PROVIDER_NAV, CONSUMER_NAV = "obligations", "received"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("数据文件"),
        help_text=gettext_lazy(
            "支持 .xlsx、.xls、.csv（UTF-8 或 GBK 编码）。第一行为字段名称，列的顺序不限。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )


def _get_submission(request, pk: int) -> Submission:
    try:
        return submission_get(user=request.user, pk=pk)
    except Submission.DoesNotExist as exc:
        raise Http404 from exc


def obligation_submissions_view(request, pk: int):
    """The provider's page for one obligation: upload form and the list of versions."""
    try:
        obligation = provider_obligation_get(user=request.user, pk=pk)
    except Obligation.DoesNotExist as exc:
        raise Http404 from exc
    set_nav_section(request, PROVIDER_NAV)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            submission = submission_upload(
                obligation=obligation, actor=request.user, uploaded_file=form.cleaned_data["file"]
            )
        except DuplicateFile as exc:
            messages.warning(request, exc.message)
            return redirect("sharing_catalog:submission_detail", pk=exc.existing.pk)
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("文件已上传。"))
            return redirect("sharing_catalog:submission_detail", pk=submission.pk)
    versions = list(obligation_submissions(obligation=obligation))
    return render(
        request,
        "sharing_catalog/submissions/obligation.html",
        {
            "obligation": obligation,
            "item": obligation.item,
            "schema": schema_in_force(item=obligation.item),
            "is_provider": True,
            "form": form,
            "versions": versions,
        },
    )


def _result_context(request, submission: Submission) -> dict:
    is_provider = user_provides_item(user=request.user, item=submission.obligation.item)
    ctx = {
        "submission": submission,
        "is_provider": is_provider,
        "can_read": submission_readable_data(user=request.user, submission=submission),
    }
    if submission.is_final and is_provider:
        errors = submission.errors.all().order_by("id")
        ctx["errors_page"] = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    if submission.status in (Submission.Status.CONFIRMED, Submission.Status.SUPERSEDED):
        receipts = submission.receipts.select_related("unit", "user")
        ctx["receipts"] = list(receipts)
        ctx["acknowledged"] = any(r.unit_id == request.user.unit_id for r in ctx["receipts"])
    return ctx


def submission_detail_view(request, pk: int):
    submission = _get_submission(request, pk)
    ctx = _result_context(request, submission)
    set_nav_section(request, PROVIDER_NAV if ctx["is_provider"] else CONSUMER_NAV)
    ctx["other_versions"] = (
        list(obligation_submissions(obligation=submission.obligation).exclude(pk=submission.pk))
        if ctx["is_provider"]
        else []
    )
    return render(request, "sharing_catalog/submissions/detail.html", ctx)


def submission_status_view(request, pk: int):
    """The live part of the submission page, polled by htmx every second until final."""
    submission = _get_submission(request, pk)
    return render(
        request, "sharing_catalog/submissions/_result.html", _result_context(request, submission)
    )


@require_POST
def submission_confirm_view(request, pk: int):
    submission = _get_submission(request, pk)
    try:
        submission_confirm(submission=submission, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("数据已确认，需求单位将收到通知。"))
    return redirect("sharing_catalog:submission_detail", pk=pk)


@require_POST
def submission_acknowledge_view(request, pk: int):
    submission = _get_submission(request, pk)
    try:
        receipt_acknowledge(submission=submission, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认接收，接收记录已登记台账。"))
    return redirect("sharing_catalog:submission_detail", pk=pk)


def submission_export_view(request, pk: int, fmt: str):
    submission = _get_submission(request, pk)
    try:
        export = submission_export(
            submission=submission, actor=request.user, fmt=fmt, request=request
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        if (
            exc.code == CatalogErrorCode.PURPOSE_REQUIRED
        ):  # Art. 24, 27: the purpose is declared before any download
            return purpose_step(request, submission.obligation.item)
        raise Http404 from exc
    content_type = CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE
    return file_response(
        export.file, filename=export.filename, content_type=content_type, size=export.size
    )


def submission_marked_view(request, pk: int):
    submission = _get_submission(request, pk)
    try:
        export = submission_marked_file(submission=submission, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    return file_response(
        export.file, filename=export.filename, content_type=XLSX_CONTENT_TYPE, size=export.size
    )


def submission_original_view(request, pk: int):
    submission = _get_submission(request, pk)
    try:
        path, filename = submission_original_file(submission=submission, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)


def submission_diff_view(request):
    """Differences between two versions by unique key: added, removed, changed fields."""
    try:
        old = _get_submission(request, int(request.GET.get("old", "")))
        new = _get_submission(request, int(request.GET.get("new", "")))
    except ValueError as exc:
        raise Http404 from exc

    try:
        # the one read path: purpose declared, masked, access-logged (Art. 24, 27)
        diff = submission_diff(old=old, new=new, actor=request.user, request=request)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        if exc.code == CatalogErrorCode.PURPOSE_REQUIRED:
            return purpose_step(request, new.obligation.item)
        messages.error(request, exc.message)
        return redirect("sharing_catalog:submission_detail", pk=new.pk)
    fields = list(new.schema.fields.order_by("position"))
    labels = {f.key: f.label for f in fields}
    item = new.obligation.item
    provides = user_provides_item(user=request.user, item=item)
    set_nav_section(request, PROVIDER_NAV if provides else CONSUMER_NAV)
    changed = [
        {
            "key": c.key,
            "fields": [
                {"label": labels.get(k, k), "old": c.old.get(k), "new": c.new.get(k)}
                for k in c.fields
            ],
        }
        for c in diff.changed
    ]
    page = Paginator(changed, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing_catalog/submissions/diff.html",
        {
            "old": old,
            "new": new,
            "diff": diff,
            "fields": fields,
            "changed_page": page,
            "added": [[r["data"].get(f.key, "") for f in fields] for r in diff.added[:200]],
            "removed": [[r["data"].get(f.key, "") for f in fields] for r in diff.removed[:200]],
        },
    )


def received_export_view(request, format: str):
    """What the list shows as .xlsx or CSV (an export in the audit log)."""
    headers = [
        _("目录项编码"), _("目录项"), _("期间"), _("提供单位"), _("版本"), _("状态"),
        _("确认时间"), _("数据行"), _("接收"),
    ]  # fmt: skip
    rows = (
        [
            s.obligation.item.code,
            s.obligation.item.name,
            s.obligation.period_label,
            s.obligation.item.provider.name,
            s.version,
            s.get_status_display(),
            s.confirmed_at,
            s.row_count,
            _("已接收") if s.acknowledged else _("新到"),
        ]
        for s in received_list(user=request.user)
    )
    return list_export_response(
        request=request, fmt=format, basename=_("共享数据接收"), what=_("共享数据接收列表"),
        headers=headers, rows=rows, shared=True,
    )  # fmt: skip


def received_list_view(request):
    """Confirmed data the user's units consume (新到数据 first), with receipt state."""
    page = Paginator(received_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "sharing_catalog/submissions/received.html", {"page": page})


# What the 新到数据 panel shows of a submission: the wide submission, item and unit rows stay put.
NEW_DATA_PANEL_COLUMNS = (
    "confirmed_at",
    "obligation__period_label",
    "obligation__item__name",
    "obligation__item__provider__name",
    "obligation__item__provider__short_name",
)


def _new_data_panel(request):
    items = list(new_data_for(user=request.user).only(*NEW_DATA_PANEL_COLUMNS)[:8])
    if not items:
        return None
    return {"items": items, "more_url": reverse("sharing_catalog:received_list")}


def register_submission_plugins() -> None:
    """Navigation entry and the home panel 新到数据 (called from AppConfig.ready)."""

    register_nav(
        NavItem(
            key="received",
            label=gettext_lazy("共享数据"),
            url_name="sharing_catalog:received_list",
            order=30,
            visible=lambda u: bool(reader_unit_ids(user=u)),
        )
    )
    register_home_panel(
        HomePanel(
            key="new_data",
            template="sharing_catalog/submissions/_panel_new_data.html",
            context=_new_data_panel,
            order=20,
        )
    )
