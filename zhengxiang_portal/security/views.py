"""Pages of the security app: login, lockout, password change, 2FA, accounts, audit (Chinese)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_ipv46_address
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import User
from agencies.roles import Role, user_roles
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.forms import applied_filters, export_refused
from zhengxiang_portal.core.network import client_ip
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_verify

from . import services
from .audit import audit_event, audit_export
from .export import sha256_hex, write_csv, write_xlsx
from .forms import (
    AuditFilterForm,
    DecisionForm,
    PasswordResetForm,
    PortalAuthenticationForm,
    PortalPasswordChangeForm,
    RoleChangeForm,
    RolePolicyForm,
    TokenForm,
)
from .models import RoleChangeRequest
from .passwords import password_expired
from .selectors import access_log_list, account_list, audit_entry_list, role_change_list
from .throttle import login_throttle_list


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


class PortalLoginView(LoginView):
    template_name = "registration/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttle is not None:  # credential-stuffing delay (security.throttle)
            response.status_code = 429
            response["Retry-After"] = str(form.throttle.seconds_left)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lockout_limit"] = settings.AXES_FAILURE_LIMIT
        context["lockout_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        return context


def lockout_response(request, credentials=None, *args, **kwargs):
    """Axes' lockout page: says plainly when this account may try again from this address."""

    username = (credentials or {}).get("username") or request.POST.get("username", "")
    cooloff = settings.AXES_COOLOFF_TIME
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
        .order_by("-attempt_time")
        .first()
    )
    start = attempt.attempt_time if attempt else timezone.now()
    until = timezone.localtime(start + cooloff)
    minutes = max(1, int(cooloff.total_seconds() // 60))
    return render(
        request,
        "security/lockout.html",
        {"until": until, "minutes": minutes, "username": username},
        status=429,
    )


# --- password -----------------------------------------------------------------------------


def password_change_view(request):
    user = request.user
    form = PortalPasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user, new_password=form.cleaned_data["new_password1"], request=request
            )
        except Exception as exc:  # validation errors from the service are shown on the form
            if not isinstance(exc, ValidationError):
                raise
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect(_next_url(request))
    reason = ""
    if user.must_change_password:
        reason = _("您的账号须修改密码后才能继续使用（初始密码或管理员重置的密码）。")
    elif password_expired(user):
        reason = _("您的密码已超过 %(days)d 天未修改，请修改后继续使用。") % {
            "days": settings.PASSWORD_MAX_AGE_DAYS
        }
    return render(
        request,
        "security/password_change.html",
        {"form": form, "reason": reason, "next": request.GET.get("next", "")},
    )


# --- second factor ------------------------------------------------------------------------


def _qr_data_uri(url: str) -> str:
    # Segno is loaded only when a QR code is drawn.
    import segno

    png = segno.make(url, error="m").png_data_uri(scale=5, border=2)
    return png if png.startswith("data:") else "data:image/png;base64," + base64.b64encode(png)


def otp_setup_view(request):
    """Enrolment: scan the QR code with an authenticator app, then type the first code.

    A user who already has a device must prove it first: otherwise a stolen password alone
    could enrol the thief's phone in place of the owner's.
    """
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect(f"{reverse('security:otp_verify')}?next={quote(request.path)}")
    device = services.totp_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(
            user=request.user, device=device, token=form.cleaned_data["token"], request=request
        ):
            otp_login(request, device)
            messages.success(request, _("双因素认证已启用。"))
            return redirect(_next_url(request))
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重试。"))
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "security/otp_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": request.GET.get("next", ""),
        },
    )


def otp_verify_view(request):
    """Second step after the password: the code from the enrolled authenticator."""
    if not user_has_device(request.user, confirmed=True):
        return redirect("security:otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            audit_event(
                action=LedgerAction.LOGIN,
                request=request,
                target=request.user,
                details={"event": "2fa_verified"},
            )
            return redirect(_next_url(request))
        audit_event(
            action=LedgerAction.LOGIN_FAILED,
            request=request,
            target=request.user,
            outcome="failure",
            details={"event": "2fa_failed"},
        )
        form.add_error("token", _("验证码不正确或已过期。"))
    return render(
        request, "security/otp_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


# --- security admin: accounts, role changes, policies --------------------------------------


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("您没有权限访问此页面。"))


def account_list_view(request):
    q = request.GET.get("q", "").strip()
    page = Paginator(account_list(user=request.user, q=q), 25).get_page(request.GET.get("page"))

    names = [u.username for u in page]
    locked = set(
        AccessAttempt.objects.filter(
            username__in=names, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )
    with_2fa = set(
        TOTPDevice.objects.filter(user__in=list(page), confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        {
            "user": u,
            "roles": [Role(g.name).label for g in u.groups.all() if g.name in Role.values],
            "locked": u.username in locked,
            "has_2fa": u.pk in with_2fa,
        }
        for u in page
    ]

    context = {
        "page": page,
        "rows": rows,
        "q": q,
        "throttles": login_throttle_list(),
        "throttle_window": settings.LOGIN_THROTTLE_WINDOW_MINUTES,
    }
    return render(request, "security/account_list.html", context)


def account_detail_view(request, pk: int):
    _require(request, "agencies.change_user")
    account = get_object_or_404(User.objects.select_related("unit"), pk=pk)
    role_form = RoleChangeForm(
        initial={"roles": sorted(user_roles(account)), "unit": account.unit_id}
    )
    reset_form = PasswordResetForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "roles":
                role_form = RoleChangeForm(request.POST)
                if role_form.is_valid():
                    services.role_change_request(
                        actor=request.user,
                        user=account,
                        roles=role_form.cleaned_data["roles"],
                        unit=role_form.cleaned_data["unit"],
                        reason=role_form.cleaned_data["reason"],
                        request=request,
                    )
                    messages.success(
                        request, _("角色变更申请已提交，须由另一名安全管理员批准后生效。")
                    )
                    return redirect("security:account_detail", pk=pk)
            elif action == "reset_2fa":
                services.totp_reset_by_admin(actor=request.user, user=account, request=request)
                messages.success(request, _("已重置该账号的双因素认证。"))
                return redirect("security:account_detail", pk=pk)
            elif action == "unlock":
                services.lockout_reset(
                    actor=request.user, username=account.username, request=request
                )
                messages.success(request, _("已解除该账号的登录锁定。"))
                return redirect("security:account_detail", pk=pk)
            elif action == "reset_password":
                reset_form = PasswordResetForm(request.POST)
                if reset_form.is_valid():
                    services.password_reset_by_admin(
                        actor=request.user,
                        user=account,
                        new_password=reset_form.cleaned_data["new_password"],
                        request=request,
                    )
                    messages.success(request, _("已设置临时密码，该用户下次登录须修改。"))
                    return redirect("security:account_detail", pk=pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except Exception as exc:
            if not isinstance(exc, ValidationError):
                raise
            reset_form.add_error("new_password", exc)
    pending = RoleChangeRequest.objects.filter(
        user=account, status=RoleChangeRequest.Status.PENDING
    ).first()
    return render(
        request,
        "security/account_detail.html",
        {
            "account": account,
            "roles": [Role(r).label for r in sorted(user_roles(account))],
            "role_form": role_form,
            "reset_form": reset_form,
            "pending": pending,
        },
    )


def role_change_list_view(request):
    changes = role_change_list(user=request.user)
    page = Paginator(changes, 25).get_page(request.GET.get("page"))
    return render(request, "security/role_change_list.html", {"page": page})


@require_POST
def role_change_decide_view(request, pk: int):
    _require(request, "security.approve_rolechangerequest")
    change = get_object_or_404(RoleChangeRequest, pk=pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if request.POST.get("decision") == "approve":
            services.role_change_approve(
                actor=request.user, change=change, note=note, request=request
            )
            messages.success(request, _("已批准，角色变更已生效。"))
        else:
            services.role_change_reject(
                actor=request.user, change=change, note=note, request=request
            )
            messages.success(request, _("已处理该申请。"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("security:role_change_list")


def role_policy_view(request):
    _require(request, "security.change_rolepolicy")
    if request.method == "POST":
        form = RolePolicyForm(request.POST)
        if form.is_valid():
            services.role_policy_set(
                actor=request.user,
                role=form.cleaned_data["role"],
                require_2fa=form.cleaned_data["require_2fa"],
                request=request,
            )
            messages.success(request, _("角色安全策略已更新。"))
            return redirect("security:role_policy")
    rows = [
        {"role": role, "label": role.label, "require_2fa": services.role_requires_2fa(role)}
        for role in Role
    ]
    return render(request, "security/role_policy.html", {"rows": rows})


# --- auditor ------------------------------------------------------------------------------

AUDIT_HEADER = [
    "序号",
    "时间",
    "操作人",
    "动作",
    "结果",
    "来源地址",
    "对象",
    "详情",
    "链哈希算法",
    "本条哈希",
]


def _audit_row(e) -> list:
    return [
        e.seq,
        timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        e.actor_label,
        e.get_action_display(),
        e.outcome,
        e.ip_address or "",
        e.target_repr,
        json.dumps(e.details, ensure_ascii=False),
        e.hash_algo,
        e.entry_hash,
    ]


def audit_list_view(request):
    form = AuditFilterForm(request.GET or None)
    filters = applied_filters(form)
    entries = audit_entry_list(user=request.user, filters=filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "security/audit_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "verify": request.session.get("ledger_verify"),
        },
    )


def audit_export_view(request, fmt: str):
    form = AuditFilterForm(request.GET or None)
    filters = applied_filters(form)
    entries = audit_entry_list(user=request.user, filters=filters)  # the auditor's only
    refused = export_refused(request, form, reverse("security:audit_list"))
    if refused is not None:
        return refused
    rows = (_audit_row(e) for e in entries.iterator(chunk_size=2000))
    if fmt == "xlsx":
        data, count = write_xlsx(AUDIT_HEADER, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, count = write_csv(AUDIT_HEADER, rows)
        content_type = "text/csv; charset=utf-8"
        fmt = "csv"
    audit_export(
        actor=request.user,
        what=_("安全审计记录"),
        rows=count,
        digest=sha256_hex(data),
        request=request,
        details={"format": fmt, "filters": {k: str(v) for k, v in filters.items() if v}},
    )
    name = "审计记录-{}.{}".format(timezone.localdate().strftime("%Y%m%d"), fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(name)
    return response


@require_POST
def audit_verify_view(request):
    _require(request, "ledger.view_ledgerentry")
    result = ledger_verify()
    request.session["ledger_verify"] = {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "reason": result.reason,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    }
    audit_event(
        action=LedgerAction.VIEW,
        request=request,
        target_label=_("台账链校验"),
        outcome="success" if result.ok else "failure",
        details={"event": "ledger_verify", "checked": result.checked, "reason": result.reason},
    )
    return redirect("security:audit_list")


def access_log_view(request):
    """axes' access log: every sign-in/out (or failed attempt) with address and browser."""
    username = request.GET.get("username", "").strip()
    ip = request.GET.get("ip", "").strip()
    try:
        if ip:
            validate_ipv46_address(ip)
    except ValidationError:
        messages.error(request, _("来源地址格式不正确。"))
        ip = ""
    failures = request.GET.get("kind") == "failures"
    rows = access_log_list(user=request.user, username=username, ip=ip, failures=failures)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "security/access_log.html",
        {"page": page, "username": username, "ip": ip, "failures": failures},
    )
