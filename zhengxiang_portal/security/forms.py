from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from agencies.models import Unit
from agencies.roles import Role
from zhengxiang_portal.core.network import client_ip
from zhengxiang_portal.ledger.actions import LedgerAction

from .audit import DENIED, audit_event
from .checks import is_default_password
from .throttle import login_throttle


class PortalAuthenticationForm(AuthenticationForm):
    """Login form; outside demo mode, a login with a default password forces a change.

    Before the password is looked at, an account or address under a credential-stuffing delay
    (security.throttle) is refused; axes' lockout of the pair keeps precedence.
    """

    throttle = None

    def clean(self):
        self._refuse_while_throttled()
        cleaned = super().clean()

        user = self.get_user()
        if (
            user is not None
            and not getattr(settings, "PORTAL_DEMO_MODE", False)
            and is_default_password(cleaned.get("password") or "")
            and not user.must_change_password
        ):
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        return cleaned

    def _refuse_while_throttled(self) -> None:
        username = (self.cleaned_data.get("username") or "")[:150]
        if self.request is None or not username:
            return
        if getattr(settings, "AXES_ENABLED", False):
            # Only when axes is enabled (settings.AXES_ENABLED).
            from axes.handlers.proxy import AxesProxyHandler

            if AxesProxyHandler.is_locked(self.request, {"username": username}):
                return  # axes answers with its lockout page
        throttle = login_throttle(username=username, ip=client_ip(self.request))
        if throttle is None:
            return
        self.throttle = throttle
        audit_event(
            action=LedgerAction.LOGIN_THROTTLED,
            actor=username,
            request=self.request,
            target_label=username,
            outcome=DENIED,
            details={
                "scope": throttle.scope,
                "key": throttle.key,
                "failures": throttle.failures,
                "until": throttle.until.isoformat(),
            },
        )
        raise forms.ValidationError(
            _("登录尝试过于频繁，请 %(seconds)d 秒后再试。"),
            code="throttled",
            params={"seconds": throttle.seconds_left},
        )


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, twice the new one) with Chinese labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip().replace(" ", "")


class RoleChangeForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("新角色"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ModelChoiceField(
        label=_("所属单位"),
        queryset=None,
        required=False,
        help_text=_("联络员代表该单位办理（第三条）；其他角色为账号所在单位。"),
    )
    reason = forms.CharField(label=_("变更理由"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("code")


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(
        label=_("临时密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class RolePolicyForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    require_2fa = forms.BooleanField(label=_("必须启用双因素认证"), required=False)


AUDIT_ACTIONS = [
    (a.value, a.label)
    for a in LedgerAction
    if a.value
    in {
        "login",
        "login_failed",
        "lockout",
        "logout",
        "account",
        "role",
        "admin",
        "export",
        "unmask",
    }
]


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("操作人"), required=False)
    action = forms.ChoiceField(
        label=_("动作"), required=False, choices=[("", _("全部")), *AUDIT_ACTIONS]
    )
    outcome = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[
            ("", _("全部")),
            ("success", _("成功")),
            ("failure", _("失败")),
            ("denied", _("拒绝")),
        ],
    )
    ip = forms.GenericIPAddressField(label=_("来源地址"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
