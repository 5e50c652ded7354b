from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    """The hash-chained ledger (台账) and audit trail.

    Art. 22: 数据传送接收有记录、过程可监控、事后能追溯.
    """

    name = "zhengxiang_portal.ledger"
    label = "ledger"
    verbose_name = _("台账与审计")

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from zhengxiang_portal.core.registry import NavItem, register_nav

        from .selectors import user_may_read_unit_ledger

        register_nav(
            NavItem(
                key="ledger",
                label=_("台账"),
                url_name="ledger:entry_list",
                order=70,
                visible=lambda u: user_may_read_unit_ledger(user=u),
            )
        )
