"""Objection pages: raise (from the records page), per-unit list with deadlines, detail with
timeline and the actions each side (and the working group) may take (Art. 19, 22)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.selectors import user_can_act_for
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import Objection, Submission
from sharing_catalog.selectors.objections import objection_get, objection_list
from sharing_catalog.selectors.submissions import submission_get
from sharing_catalog.services import objections as svc
from sharing_catalog.services.reading import records_masked
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.exports import list_export_response
from zhengxiang_portal.ledger.selectors import ledger_history

from ..forms.governance import (
    ArbitrationForm,
    CloseForm,
    CorrectForm,
    DisputeForm,
    ExplainForm,
    ObjectionRaiseForm,
    RulingForm,
)


@require_POST
def objection_raise_view(request, pk: int):
    try:
        submission = submission_get(user=request.user, pk=pk)
    except Submission.DoesNotExist as exc:
        raise Http404 from exc
    fields = list(submission.schema.fields.order_by("position"))
    form = ObjectionRaiseForm(request.POST, fields=fields)
    if not form.is_valid():
        messages.error(request, _("请填写异议类别和说明。"))
        return redirect("sharing_catalog:submission_records", pk)
    try:
        rows = [int(r) for r in request.POST.getlist("rows")]
    except ValueError as exc:
        raise Http404 from exc
    try:
        objection = svc.objection_raise(
            actor=request.user,
            submission=submission,
            category=form.cleaned_data["category"],
            description=form.cleaned_data["description"],
            rows=rows,
            fields=form.cleaned_data["fields"],
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        if "objection_id" in exc.details:
            return redirect("sharing_catalog:objection_detail", exc.details["objection_id"])
        return redirect("sharing_catalog:submission_records", pk)
    messages.success(request, _("异议已提出，提供单位将在期限内答复。"))
    return redirect("sharing_catalog:objection_detail", objection.pk)


def _objection_filters(request) -> dict:
    """The list page's filters (the page and its export share them)."""
    return {
        "open": request.GET.get("all") != "1",
        "status": request.GET.get("status", ""),
        "side": request.GET.get("side", ""),
    }


def objection_list_view(request):
    filters = _objection_filters(request)
    page = Paginator(objection_list(user=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "sharing_catalog/objection_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Objection.Status.choices,
        },
    )


def objection_export_view(request, format: str):
    """What the list shows, with its filters, as .xlsx or CSV (an export in the audit log)."""
    qs = objection_list(user=request.user, filters=_objection_filters(request))
    headers = [
        _("编号"), _("目录项编码"), _("目录项"), _("提供单位"), _("提出单位"), _("类别"),
        _("行数"), _("状态"), _("提出时间"), _("答复期限"),
    ]  # fmt: skip
    rows = (
        [
            o.pk,
            o.item.code,
            o.item.name,
            o.provider.name,
            o.consumer.name,
            o.get_category_display(),
            len(o.row_numbers) or _("整版"),
            o.get_status_display(),
            o.created_at,
            o.deadline if o.awaits_provider else None,
        ]
        for o in qs
    )
    return list_export_response(
        request=request, fmt=format, basename=_("数据异议"), what=_("数据异议列表"),
        headers=headers, rows=rows, shared=True,
    )  # fmt: skip


def _objection(request, pk: int) -> Objection:
    try:
        return objection_get(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def objection_detail_view(request, pk: int):
    o = _objection(request, pk)
    is_provider = user_can_act_for(user=request.user, unit=o.provider)
    is_consumer = user_can_act_for(user=request.user, unit=o.consumer)
    fields = list(o.submission.schema.fields.order_by("position"))
    named = o.submission.records.filter(row_number__in=o.row_numbers).order_by("row_number")
    rows, masked = records_masked(
        actor=request.user, submission=o.submission, records=named, request=request
    )
    versions = Submission.objects.filter(
        obligation_id=o.submission.obligation_id,
        version__gt=o.submission.version,
        status=Submission.Status.CONFIRMED,
    )
    steps = svc.objection_steps(user=request.user, objection=o)
    close_reasons = svc.close_reasons_for(user=request.user, objection=o)
    return render(
        request,
        "sharing_catalog/objection_detail.html",
        {
            "o": o,
            "fields": fields,
            "field_labels": [f.label for f in fields if f.key in o.fields],
            "rows": [
                {"record": r, "values": [r.data.get(f.key, "") for f in fields]} for r in rows
            ],
            "masked": masked,
            "is_provider": is_provider,
            "is_consumer": is_consumer,
            "may_answer": "explain" in steps,
            "may_settle": "accept" in steps,
            "may_arbitrate": "arbitrate" in steps,
            "may_rule": "rule" in steps,
            "may_close": "close" in steps and bool(close_reasons),
            "explain_form": ExplainForm(),
            "correct_form": CorrectForm(versions=versions) if versions.exists() else None,
            "dispute_form": DisputeForm(),
            "arbitration_form": ArbitrationForm(),
            "ruling_form": RulingForm(),
            "close_form": CloseForm(reasons=close_reasons),
            "history": ledger_history(o),
            "overdue": o.is_overdue,
        },
    )


@require_POST
def objection_action_view(request, pk: int, step: str):
    o = _objection(request, pk)
    post = request.POST
    try:
        if step == "explain":
            svc.objection_explain(
                actor=request.user, objection=o, explanation=post.get("explanation", "")
            )
        elif step == "correct":
            try:
                correction = Submission.objects.get(pk=int(post.get("correction", "")))
            except (ValueError, Submission.DoesNotExist) as exc:
                raise ApplicationError(
                    code=CatalogErrorCode.INVALID_CORRECTION, message=_("请选择更正版本。")
                ) from exc
            svc.objection_correct(actor=request.user, objection=o, correction=correction)
        elif step == "accept":
            svc.objection_accept(actor=request.user, objection=o)
        elif step == "dispute":
            svc.objection_dispute(actor=request.user, objection=o, text=post.get("text", ""))
        elif step == "arbitrate":
            svc.objection_request_arbitration(
                actor=request.user, objection=o, reason=post.get("reason", "")
            )
        elif step == "rule":
            svc.objection_rule(
                actor=request.user,
                objection=o,
                upheld=post.get("upheld") == "1",
                comment=post.get("comment", ""),
            )
        elif step == "close":
            svc.objection_close(
                actor=request.user,
                objection=o,
                reason=post.get("reason", ""),
                text=post.get("text", ""),
            )
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已办理。"))
    return redirect("sharing_catalog:objection_detail", pk)
