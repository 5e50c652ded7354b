"""Rectification orders (责令改正, Art. 28): list and export, issue, answer, review, notices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Unit
from agencies.selectors import user_unit_ids
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.uploads import attachment_response
from zhengxiang_portal.documents.render import docx_response, print_response
from zhengxiang_portal.documents.services import document_for
from zhengxiang_portal.exports import list_export_response

from .. import selectors, services
from ..documents import ORDER_DOCUMENT, order_document
from ..facts import kind_name
from ..forms import AccountabilityForm, AnswerForm, DecideForm, OrderForm
from ..models import OrderAttachment, RectificationOrder
from ..permissions import can_issue_orders, order_actions
from .common import digits, require, score_or_404


def _order_or_404(request, pk: int) -> RectificationOrder:
    try:
        return selectors.order_get(user=request.user, pk=pk)
    except RectificationOrder.DoesNotExist as exc:
        raise Http404 from exc


def _listed_orders(request):
    """The list page's status filter and its rows (the page and its export share them)."""
    orders = selectors.order_list(user=request.user)
    status = request.GET.get("status")
    if status in RectificationOrder.Status.values:
        orders = orders.filter(status=status)
    return status, orders


def order_export_view(request, format: str):
    """What the list shows, with its filter, as .xlsx or CSV (an export in the audit log)."""
    _status, orders = _listed_orders(request)
    headers = [
        _("编号"), _("单位"), _("考核期间"), _("问题类型"), _("下达时间"), _("整改截止"),
        _("状态"), _("反馈时间"),
    ]  # fmt: skip
    rows = (
        [
            str(o),
            o.unit.name,
            o.period.name if o.period else "",
            o.get_failure_display(),
            o.issued_at,
            o.due_date,
            o.get_status_display(),
            o.answered_at,
        ]
        for o in orders
    )
    return list_export_response(
        request=request, fmt=format, basename=_("责令改正通知"), what=_("责令改正通知列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def order_list_view(request):
    status, orders = _listed_orders(request)
    return render(
        request,
        "assessment/order_list.html",
        {"orders": orders[:200], "status": status, "statuses": RectificationOrder.Status.choices,
         "can_issue": can_issue_orders(request.user)},
    )  # fmt: skip


def order_create_view(request):
    """Issue an order (Art. 28), with the bad evidence of a score attached when given."""
    require(can_issue_orders(request.user))
    score = None
    score_pk = digits(request.GET.get("score") or request.POST.get("score"))
    if score_pk is not None:
        score = score_or_404(request, score_pk)
    initial: dict[str, Any] = {}
    evidence: list[dict[str, Any]] = []
    if score is not None:
        initial, evidence = services.order_draft_from_score(score)
    else:
        unit_pk = digits(request.GET.get("unit"))
        if unit_pk is not None:
            initial["unit"] = Unit.objects.filter(pk=unit_pk).first()
    form = OrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_issue(actor=request.user, evidence=evidence, **form.cleaned_data)
            messages.success(request, _("责令改正通知已下达，已通知该单位联络员。"))
            return redirect("assessment:order_detail", order.pk)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "assessment/order_form.html",
        {"form": form, "score": score, "evidence": evidence},
    )


# The order page's steps: the form each posts and whether it carries files.
_STEPS: dict[str, tuple[Any, bool]] = {
    "answer": (AnswerForm, True),
    "decide": (DecideForm, False),
    "accountability": (AccountabilityForm, True),
}


def _order_step(request, order: RectificationOrder, action: str, form: Any) -> None:
    """Run one validated step of the order page through its service."""
    data = form.cleaned_data
    if action == "answer":
        services.order_answer(
            actor=request.user, order=order, correction=data["correction"], files=data["files"]
        )
        messages.success(request, _("整改情况已反馈专项工作组。"))
    elif action == "decide":
        services.order_decide(actor=request.user, order=order, **data)
        messages.success(request, _("审核结论已记录。"))
    else:
        services.order_accountability_record(actor=request.user, order=order, **data)
        messages.success(request, _("问责情况已记录。"))


def _order_evidence(order: RectificationOrder) -> list[dict[str, Any]]:
    """The order's facts with a link each: the object's own page, else the score's evidence."""
    return [
        {
            **ref,
            "kind": kind_name(ref),
            "tag_label": selectors.evidence_tag_label(ref),
            "href": ref.get("url")
            or (
                reverse("assessment:evidence_detail", args=[ref["score"], ref["index"]])
                if "score" in ref
                else ""
            ),
        }
        for ref in order.evidence
    ]


def order_detail_view(request, pk: int):
    order = _order_or_404(request, pk)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action") or ""
        if action not in _STEPS:
            raise Http404
        form_class, with_files = _STEPS[action]
        form = form_class(request.POST, request.FILES) if with_files else form_class(request.POST)
        bound[action] = form
        if form.is_valid():
            try:
                _order_step(request, order, action, form)
                return redirect("assessment:order_detail", order.pk)
            except ApplicationError as exc:
                messages.error(request, exc.message)
    actions = order_actions(request.user, order)
    shown = {
        f"{name}_form": (bound.get(name) or form_class()) if name in actions else None
        for name, (form_class, _files) in _STEPS.items()
    }
    return render(
        request,
        "assessment/order_detail.html",
        {
            "order": order,
            **shown,
            "accountabilities": order.accountabilities.select_related("recorded_by")
            .prefetch_related("attachments")
            .all(),
            "evidence": _order_evidence(order),
            "notice": document_for(target=order, kind=ORDER_DOCUMENT),
            "can_issue_notice": can_issue_orders(request.user),
        },
    )


def order_attachment_view(request, pk: int, attachment_pk: int):
    """Serve a reply's file to those who may see the order (404 otherwise); log the download."""
    try:
        order = selectors.order_get(user=request.user, pk=pk)
        attachment = order.attachments.get(pk=attachment_pk)
    except (RectificationOrder.DoesNotExist, OrderAttachment.DoesNotExist) as exc:
        raise Http404 from exc
    return attachment_response(attachment, actor=request.user, target=order)


@require_POST
def order_notice_issue_view(request, pk: int):
    """Number and issue the order's 责令改正通知书 (working group only)."""
    order = _order_or_404(request, pk)
    try:
        issued = services.order_document_issue(actor=request.user, order=order)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已签发 %(number)s。") % {"number": issued.number})
    return redirect("assessment:order_detail", order.pk)


def _order_notice(request, pk: int):
    order = _order_or_404(request, pk)
    issued = document_for(target=order, kind=ORDER_DOCUMENT)
    if issued is None:
        raise Http404(_("该通知尚未签发。"))
    return order, order_document(order=order, issued=issued)


def order_notice_view(request, pk: int):
    order, doc = _order_notice(request, pk)
    return print_response(
        request,
        doc,
        back_url=reverse("assessment:order_detail", args=[order.pk]),
        docx_url=reverse("assessment:order_notice_docx", args=[order.pk]),
    )


def order_notice_docx_view(request, pk: int):
    return docx_response(_order_notice(request, pk)[1])


def home_panel_context(request) -> dict | None:
    """Open orders of the user's units; for the working group, answers waiting for review."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None

    unit_ids = user_unit_ids(user=user)
    own = list(selectors.open_orders_for_units(unit_ids=unit_ids)[:10]) if unit_ids else []
    review = selectors.orders_awaiting_review() if can_issue_orders(user) else []
    if not own and not review:
        return None
    return {"own": own, "review": review}
