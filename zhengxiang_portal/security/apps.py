from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's admin site (role-gated, see admin_site.py)."""

    default = False
    default_site = "zhengxiang_portal.security.admin_site.PortalAdminSite"


class SecurityConfig(AppConfig):
    """Authentication, separation of duties and the security audit (等保 2.0 level 3).

    Art. 24 (data security, confidentiality), Art. 27 (information used only for statutory
    duties).
    """

    default = True
    name = "zhengxiang_portal.security"
    label = "security"
    verbose_name = _("安全与审计")

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from axes.signals import user_locked_out
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save

        from agencies.roles import Role, has_role, register_role_permissions
        from zhengxiang_portal.core.registry import (
            HomePanel,
            NavItem,
            register_home_panel,
            register_nav,
        )

        from . import audit, checks  # noqa: F401  (checks register themselves)
        from .api import schema  # noqa: F401  (OpenAPI extension registers itself)
        from .services import register_device_fact

        register_device_fact()
        user_logged_in.connect(audit.on_logged_in, dispatch_uid="security_audit_login")
        user_logged_out.connect(audit.on_logged_out, dispatch_uid="security_audit_logout")
        user_login_failed.connect(audit.on_login_failed, dispatch_uid="security_audit_failed")
        user_locked_out.connect(audit.on_locked_out, dispatch_uid="security_audit_lockout")
        post_save.connect(audit.on_admin_log_entry, sender=LogEntry, dispatch_uid="security_admin")

        register_role_permissions(
            Role.SECURITY_ADMIN,
            [
                "security.view_rolechangerequest",
                "security.add_rolechangerequest",
                "security.approve_rolechangerequest",
                "security.view_rolepolicy",
                "security.change_rolepolicy",
            ],
        )
        # The auditor reads the audit trail and the access log, nothing else (三员分立). axes'
        # records (addresses, browsers) are the auditor's alone: the security admin lifts a
        # lockout through security.services.lockout_reset, which needs no model permission.
        register_role_permissions(
            Role.AUDITOR,
            ["axes.view_accesslog", "axes.view_accessfailurelog", "axes.view_accessattempt"],
        )

        register_nav(
            NavItem(
                key="security_accounts",
                label=_("账号与权限"),
                url_name="security:account_list",
                order=900,
                visible=lambda u: has_role(u, Role.SECURITY_ADMIN),
            )
        )
        register_nav(
            NavItem(
                key="security_audit",
                label=_("安全审计"),
                url_name="security:audit_list",
                order=910,
                visible=lambda u: u.has_perm("ledger.view_ledgerentry"),
            )
        )
        register_home_panel(
            HomePanel(
                key="security_pending_role_changes",
                template="security/panel_pending.html",
                context=_pending_role_changes_panel,
                order=5,
            )
        )
        register_nav(
            NavItem(
                key="security_password",
                label=_("修改密码"),
                url_name="security:password_change",
                order=990,
            )
        )


def _pending_role_changes_panel(request):
    """Security admins see the role changes others asked for, waiting for their approval."""
    from agencies.roles import Role, has_role

    from .models import RoleChangeRequest

    user = request.user
    if not has_role(user, Role.SECURITY_ADMIN):
        return None
    count = (
        RoleChangeRequest.objects.filter(status=RoleChangeRequest.Status.PENDING)
        .exclude(requested_by=user)
        .exclude(user=user)
        .count()
    )
    return {"count": count} if count else None
