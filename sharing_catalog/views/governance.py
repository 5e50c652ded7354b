"""Pages: conditional-sharing grants, off-platform agreements, coordination, purpose step, unmask.

Views are thin: parse the form, call one service or selector, render or redirect. A user who
may not see an object gets 404 (its existence is not revealed); a forbidden action gets 403.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from guardian.shortcuts import get_users_with_perms

from agencies.models import User
from agencies.roles import is_working_group
from agencies.selectors import units_acted_for, user_can_act_for
from sharing_catalog.models import AccessGrant, CatalogItem, CoordinationRequest
from sharing_catalog.selectors import governance as sel
from sharing_catalog.selectors.entitlements import user_may_read_item
from sharing_catalog.services import agreements as agreement_services
from sharing_catalog.services import coordination as coordination_services
from sharing_catalog.services import grants as grant_services
from sharing_catalog.services.access import purpose_declare
from sharing_catalog.services.masking import (
    UNMASK_CODENAME,
    field_disclosure_add,
    field_disclosure_remove,
    sensitive_field_choices,
    unmask_grant,
    unmask_revoke,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.exports import list_export_response
from zhengxiang_portal.ledger.selectors import ledger_history

from ..forms.governance import (
    AgreementForm,
    CoordinationDecisionForm,
    CoordinationForm,
    FieldDisclosureForm,
    GrantApplyForm,
    GrantDecisionForm,
    PurposeForm,
    ReasonForm,
    UnmaskGrantForm,
)


def _get(getter, **kwargs):
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _fail(request, exc: ApplicationError, form=None) -> None:
    if form is not None:
        form.add_error(None, str(exc.message))
    else:
        messages.error(request, str(exc.message))


# --- the purpose step (Art. 24, 27) --------------------------------------------------------
def purpose_step(request, item: CatalogItem) -> HttpResponseRedirect:
    """The redirect to the purpose step, coming back here once a purpose is declared.

    Views call it when the read path (`services.reading`) answers `purpose_required`.
    """
    url = reverse("sharing_catalog:purpose", args=[item.pk])
    return HttpResponseRedirect(f"{url}?next={quote(request.get_full_path())}")


def purpose_view(request, item_pk: int):
    item = get_object_or_404(CatalogItem, pk=item_pk)
    if not user_may_read_item(user=request.user, item=item):
        raise Http404
    form = PurposeForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        try:
            purpose_declare(
                actor=request.user,
                item=item,
                code=form.cleaned_data["purpose"],
                text=form.cleaned_data["purpose_text"],
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            target = form.cleaned_data["next"]
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = reverse("home")
            return redirect(target)
    return render(request, "sharing_catalog/purpose.html", {"form": form, "item": item})


# --- grants --------------------------------------------------------------------------------
def _listed_grants(request):
    """The list page's rows with its filter (the page and its export share them)."""
    return sel.grant_list(user=request.user, filters={"status": request.GET.get("status", "")})


def grant_export_view(request, format: str):
    """What the list shows, with its filter, as .xlsx or CSV (an export in the audit log)."""
    headers = [
        _("目录项编码"), _("目录项"), _("提供单位"), _("申请单位"), _("用途"), _("状态"),
        _("申请时间"), _("生效日期"), _("有效期至"),
    ]  # fmt: skip
    rows = (
        [
            g.item.code,
            g.item.name,
            g.item.provider.name,
            g.consumer.name,
            g.get_purpose_display(),
            g.get_status_display(),
            g.requested_at,
            g.valid_from,
            g.valid_until,
        ]
        for g in _listed_grants(request)
    )
    return list_export_response(
        request=request, fmt=format, basename=_("共享授权"), what=_("共享授权列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def grant_list_view(request):
    status = request.GET.get("status", "")
    qs = _listed_grants(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing_catalog/grant_list.html",
        {
            "page": page,
            "inbox": list(sel.grant_inbox(user=request.user)[:50]),
            "statuses": AccessGrant.Status.choices,
            "status": status,
        },
    )


def grant_apply_view(request, item_pk: int):
    item = get_object_or_404(
        CatalogItem.objects.select_related("provider"),
        pk=item_pk,
        status=CatalogItem.Status.PUBLISHED,
        sharing_class=CatalogItem.SharingClass.CONDITIONAL,
    )
    units = units_acted_for(user=request.user).exclude(pk=item.provider_id)
    form = GrantApplyForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            grant = grant_services.grant_apply(actor=request.user, item=item, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("授权申请已提交，等待提供单位审批。"))
            return redirect("sharing_catalog:grant_detail", grant.pk)
    return render(request, "sharing_catalog/grant_apply.html", {"form": form, "item": item})


def grant_detail_view(request, pk: int):
    grant = _get(sel.grant_get, user=request.user, pk=pk)
    may_provider = (
        grant.status == AccessGrant.Status.REQUESTED
        and grant.provider_decision == AccessGrant.Decision.PENDING
        and user_can_act_for(user=request.user, unit=grant.item.provider)
    )
    may_wg = grant.awaiting_working_group and is_working_group(request.user)
    may_revoke = grant.status == AccessGrant.Status.APPROVED and (
        is_working_group(request.user)
        or user_can_act_for(user=request.user, unit=grant.item.provider)
    )
    return render(
        request,
        "sharing_catalog/grant_detail.html",
        {
            "grant": grant,
            "may_provider": may_provider,
            "may_wg": may_wg,
            "may_revoke": may_revoke,
            "decision_form": GrantDecisionForm(),
            "reason_form": ReasonForm(),
            "history": ledger_history(grant),
        },
    )


@require_POST
def grant_decide_view(request, pk: int, level: str):
    if level not in ("provider", "wg"):
        raise Http404
    grant = _get(sel.grant_get, user=request.user, pk=pk)
    form = GrantDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择决定。"))
        return redirect("sharing_catalog:grant_detail", pk)
    try:
        if level == "provider":
            grant_services.grant_decide_provider(
                actor=request.user, grant=grant, **form.cleaned_data
            )
        else:
            grant_services.grant_decide_working_group(
                actor=request.user,
                grant=grant,
                approve=form.cleaned_data["approve"],
                comment=form.cleaned_data["comment"],
            )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("已记录审批决定。"))
    return redirect("sharing_catalog:grant_detail", pk)


@require_POST
def grant_revoke_view(request, pk: int):
    grant = _get(sel.grant_get, user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    try:
        grant_services.grant_revoke(
            actor=request.user,
            grant=grant,
            reason=form.data.get("reason", ""),
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("授权已撤销。"))
    return redirect("sharing_catalog:grant_detail", pk)


# --- off-platform agreements (Art. 21) -----------------------------------------------------
def _listed_agreements(request):
    """The list page's rows with its filters (the page and its export share them)."""
    overdue = request.GET.get("overdue") == "1"
    filters = {"status": request.GET.get("status", ""), "overdue": overdue}
    return sel.agreement_list(user=request.user, filters=filters)


def agreement_export_view(request, format: str):
    """What the list shows, with its filters, as .xlsx or CSV (an export in the audit log)."""
    qs = _listed_agreements(request)
    overdue_ids = set(sel.agreements_overdue(qs).values_list("pk", flat=True))
    headers = [
        _("提供单位"), _("需求单位"), _("共享内容"), _("信息传送标准"), _("传送方式"), _("状态"),
        _("商定日期"), _("计划融入平台日期"), _("是否逾期"), _("报备时间"),
    ]  # fmt: skip
    rows = (
        [
            a.provider.name,
            a.consumer.name,
            a.content,
            a.format_standard,
            a.get_method_display(),
            a.get_status_display(),
            a.signed_on,
            a.target_migration_date,
            _("是") if a.pk in overdue_ids else _("否"),
            a.filed_with_wg_at,
        ]
        for a in qs
    )
    return list_export_response(
        request=request, fmt=format, basename=_("线下共享协议"), what=_("线下共享协议列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def agreement_list_view(request):
    overdue = request.GET.get("overdue") == "1"
    qs = _listed_agreements(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    overdue_ids = set(sel.agreements_overdue(qs).values_list("pk", flat=True))
    return render(
        request,
        "sharing_catalog/agreement_list.html",
        {"page": page, "overdue": overdue, "overdue_ids": overdue_ids},
    )


def agreement_create_view(request):
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreement_services.agreement_register(
                actor=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("线下共享协议已登记，请报备专项工作组。"))
            return redirect("sharing_catalog:agreement_detail", agreement.pk)
    return render(request, "sharing_catalog/agreement_form.html", {"form": form})


def agreement_detail_view(request, pk: int):
    agreement = _get(sel.agreement_get, user=request.user, pk=pk)
    return render(
        request,
        "sharing_catalog/agreement_detail.html",
        {
            "agreement": agreement,
            "is_overdue": sel.agreements_overdue().filter(pk=pk).exists(),
            "history": ledger_history(agreement),
        },
    )


@require_POST
def agreement_action_view(request, pk: int, step: str):
    agreement = _get(sel.agreement_get, user=request.user, pk=pk)
    action = {
        "file": agreement_services.agreement_file,
        "migrate": agreement_services.agreement_mark_migrated,
    }.get(step)
    if action is None:
        raise Http404
    try:
        action(actor=request.user, agreement=agreement)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("已办理。"))
    return redirect("sharing_catalog:agreement_detail", pk)


# --- coordination and exemptions (Art. 20) -------------------------------------------------
def _listed_coordination(request):
    """The list page's rows with its filter (the page and its export share them)."""
    return sel.coordination_list(
        user=request.user, filters={"status": request.GET.get("status", "")}
    )


def coordination_export_view(request, format: str):
    """What the list shows, with its filter, as .xlsx or CSV (an export in the audit log)."""
    headers = [
        _("单位"), _("目录项编码"), _("目录项"), _("原因类别"), _("具体原因"), _("状态"),
        _("豁免至"), _("计划完成日期"), _("申请时间"),
    ]  # fmt: skip
    rows = (
        [
            r.unit.name,
            r.item.code,
            r.item.name,
            r.get_reason_display(),
            r.reason_text,
            r.get_status_display(),
            r.exempt_until,
            r.plan_target_date,
            r.created_at,
        ]
        for r in _listed_coordination(request)
    )
    return list_export_response(
        request=request, fmt=format, basename=_("协调豁免"), what=_("协调豁免申请列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def coordination_list_view(request):
    qs = _listed_coordination(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing_catalog/coordination_list.html",
        {"page": page, "statuses": CoordinationRequest.Status.choices},
    )


def coordination_create_view(request):
    items = CatalogItem.objects.filter(provider__in=units_acted_for(user=request.user)).order_by(
        "code"
    )
    form = CoordinationForm(
        request.POST or None, items=items, initial={"item": request.GET.get("item")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            req = coordination_services.coordination_request_create(
                actor=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, _("协调申请已提交专项工作组。"))
            return redirect("sharing_catalog:coordination_detail", req.pk)
    return render(request, "sharing_catalog/coordination_form.html", {"form": form})


def coordination_detail_view(request, pk: int):
    req = _get(sel.coordination_get, user=request.user, pk=pk)
    form = CoordinationDecisionForm(request.POST or None)
    may_decide = req.status == CoordinationRequest.Status.REQUESTED and is_working_group(
        request.user
    )
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                coordination_services.coordination_decide(
                    actor=request.user, request=req, **form.cleaned_data
                )
            except ApplicationError as exc:
                _fail(request, exc, form)
            else:
                messages.success(request, _("协调决定已记录。"))
                return redirect("sharing_catalog:coordination_detail", pk)
    return render(
        request,
        "sharing_catalog/coordination_detail.html",
        {"req": req, "form": form, "may_decide": may_decide, "history": ledger_history(req)},
    )


# --- unmask permissions and field disclosure (masking, Art. 24) ----------------------------
def unmask_manage_view(request, item_pk: int):
    """Who sees the item's sensitive fields in clear: people (provider or WG grant) and, per
    consuming unit, field and purpose, the working group's disclosure rules."""
    item = get_object_or_404(CatalogItem.objects.select_related("provider"), pk=item_pk)
    wg = is_working_group(request.user)
    if not (wg or user_can_act_for(user=request.user, unit=item.provider)):
        raise Http404
    field_choices = sensitive_field_choices(item=item)
    form = UnmaskGrantForm(request.POST if "unit" in request.POST else None)
    rule_form = FieldDisclosureForm(
        request.POST if "disclose" in request.POST else None,
        item=item,
        field_choices=field_choices,
    )
    if request.method == "POST":
        try:
            done = _unmask_post(request, item, form, rule_form)
        except ApplicationError as exc:
            _fail(request, exc, rule_form)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            if done:
                return redirect("sharing_catalog:unmask_manage", item.pk)
    holders = get_users_with_perms(
        item, only_with_perms_in=[UNMASK_CODENAME], with_group_users=False
    ).select_related("unit")
    labels = dict(field_choices)
    rules = [
        {"rule": r, "field_label": labels.get(r.field_key, r.field_key)}
        for r in item.field_disclosures.select_related("consumer", "decided_by")
    ]
    return render(
        request,
        "sharing_catalog/unmask_manage.html",
        {
            "item": item,
            "form": form,
            "holders": holders,
            "rule_form": rule_form if wg else None,
            "rules": rules,
            "may_manage_rules": wg,
        },
    )


def _unmask_post(request, item, form, rule_form) -> bool:
    """Apply one POST of the unmask page; True when done (redirect), False to show errors."""

    post = request.POST
    if "revoke" in post:
        if not post["revoke"].isdigit():
            raise Http404
        unmask_revoke(
            actor=request.user, item=item, user=get_object_or_404(User, pk=int(post["revoke"]))
        )
        messages.success(request, _("已撤销。"))
        return True
    if "withdraw" in post:
        if not post["withdraw"].isdigit():
            raise Http404
        rule = get_object_or_404(item.field_disclosures, pk=int(post["withdraw"]))
        field_disclosure_remove(actor=request.user, rule=rule)
        messages.success(request, _("已撤回该明文字段规则，已记入台账。"))
        return True
    if "disclose" in post:
        if not rule_form.is_valid():
            return False
        field_disclosure_add(
            actor=request.user,
            item=item,
            consumer=rule_form.cleaned_data["consumer"],
            field_key=rule_form.cleaned_data["field_key"],
            purpose=rule_form.cleaned_data["purpose"],
        )
        messages.success(request, _("已保存明文字段规则，已记入台账。"))
        return True
    if form.is_valid():
        users = unmask_grant(actor=request.user, item=item, unit=form.cleaned_data["unit"])
        if users:
            messages.success(request, _("已授予该单位联络员查看敏感字段明文的权限。"))
        else:
            messages.warning(request, _("该单位没有在岗联络员账号。"))
        return True
    return False
