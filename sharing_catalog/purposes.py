"""Statutory purposes (法定职责) a user declares before viewing or using shared data.

Art. 23 names the uses of shared tax-fee information; Art. 24 and 27 forbid any use outside a
statutory duty, so every view, download and grant carries one of these, "other" with text.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatutoryPurpose(models.TextChoices):
    COLLECTION = "collection", _("税费征收管理")
    RISK = "risk", _("税费风险监控")
    FORECAST = "forecast", _("税费收入预测")
    ANALYSIS = "analysis", _("税费数据分析")
    ECONOMY = "economy", _("经济运行研判")
    REVENUE_BASE = "revenue_base", _("财源建设")
    SOCIAL = "social", _("社会管理")
    SUPERVISION = "supervision", _("行业监管与执法")
    OTHER = "other", _("其他法定职责（须说明）")


def purpose_label(code: str) -> str:
    try:
        return str(StatutoryPurpose(code).label)
    except ValueError:
        return code
