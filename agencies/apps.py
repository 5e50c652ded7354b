from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    """Units (共治单位/关联单位), liaisons, the working group and roles (Art. 1, 3)."""

    name = "agencies"
    verbose_name = _("共治单位")

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from . import authz, checks  # noqa: F401  (registers the system checks)

        authz.connect_signals()
        from zhengxiang_portal.core.registry import NavItem, register_nav

        from .roles import Role, has_role

        register_nav(NavItem(key="home", label=_("首页"), url_name="home", order=0))
        from zhengxiang_portal.core.registry import HomePanel, register_home_panel

        from .views import unreachable_units_panel

        register_home_panel(
            HomePanel(
                key="agencies_unreachable",
                template="agencies/panels/unreachable.html",
                context=unreachable_units_panel,
                order=1,  # the working group sees it first: these units' events come to it
            )
        )
        register_nav(
            NavItem(
                key="units",
                label=_("共治单位"),
                url_name="agencies:unit_list",
                order=80,
                visible=lambda u: (
                    has_role(u, Role.WG_LEADER, Role.WG_MEMBER, Role.TAX_STAFF)
                    or u.has_perm("agencies.view_unit")
                ),
            )
        )
