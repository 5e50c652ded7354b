"""Assessment periods that open by themselves: a new quarter (year) on its first night (Art. 25).

The working group opens the first period of a kind (设立考核期间) and chooses its scheme; from then
on each following period of that kind opens on the night it begins, with the scheme of the one
before (`period_create` copies it), and the group is told. Without it nothing that happened after
the last period's end was scored anywhere until someone remembered, and the dashboards kept showing
the old period.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.selectors import working_group_recipients
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..models import Period
from .scoring import period_create


def _quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


@transaction.atomic
def periods_open_current(*, today: dt.date | None = None) -> list[Period]:
    """Open, for each kind of period the group assesses by, the one `today` falls in; idempotent.

    A kind the group never opened is left alone, and so is a kind whose latest period still runs
    (or was opened ahead).
    """
    today = today or timezone.localdate()
    opened = []
    for kind in (Period.Kind.QUARTER, Period.Kind.YEAR):
        latest = Period.objects.filter(kind=kind).order_by("-start").first()
        if latest is None or latest.end >= today:
            continue
        quarter = _quarter_of(today) if kind == Period.Kind.QUARTER else None
        if Period.objects.filter(kind=kind, year=today.year, quarter=quarter).exists():
            continue
        opened.append(
            period_create(actor=None, kind=kind, year=today.year, quarter=quarter, check=False)
        )
    for period in opened:
        to = notice_send(
            to=working_group_recipients(),
            key=f"period:{period.pk}:opened",
            kind="period_opened",
            subject=_("考核期间 %(name)s 已设立") % {"name": period.name},
            body=_(
                "%(name)s（%(start)s 至 %(end)s）已按上一期间的指标体系自动设立，"
                "得分将每晚根据事实计算；如需调整指标体系，请在开始计分前修改。"
            )
            % {"name": period.name, "start": period.start, "end": period.end},
            url=reverse("assessment:period_list"),
        )
        ledger_append(
            action=LedgerAction.ASSESSMENT,
            category=LedgerCategory.WORKFLOW,
            actor="system",
            target=period,
            details={"event": "period_opened", **to.details()},
        )
    return opened
