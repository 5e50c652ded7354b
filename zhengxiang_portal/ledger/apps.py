from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The hash-chained ledger (台账) and audit trail.

    Art. 22: 数据传送接收有记录、过程可监控、事后能追溯.
    """

    name = "zhengxiang_portal.ledger"
    label = "ledger"
    verbose_name = "台账与审计"
