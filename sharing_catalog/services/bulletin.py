"""Publishing the 报送情况通报 to every unit's liaisons and the working group (Art. 20, 22, 28).

One sender (notifications.services.notice_send) and one rule of who hears for a unit
(agencies.selectors.NoticeBook): each unit's active liaisons (the tax bureau's tax staff), the
working group as a whole. A unit with nobody on duty is recorded as 无人可通知 — the working
group hears of the bulletin anyway, so it does not stand in. Once per period: a second
publication is refused and says when and by whom the first was made.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.roles import is_working_group
from agencies.selectors import NoticeBook, NoticeRecipients, working_group_recipients
from sharing_catalog.errors import CatalogErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..documents import bulletin_document
from ..models import BulletinPublication
from ..selectors.bulletin import BulletinPeriod, UnitReporting, reporting_bulletin

NOTICE_KIND = "bulletin"


def _published_already(publication: BulletinPublication) -> ApplicationError:
    return ApplicationError(
        code=CatalogErrorCode.ALREADY_PUBLISHED,
        message=_("%(period)s的通报已于%(at)s由%(by)s发布，未重复发送。")
        % {
            "period": publication.period_label,
            "at": timezone.localtime(publication.published_at).strftime("%Y-%m-%d %H:%M"),
            "by": getattr(publication.published_by, "display_name", "") or publication.published_by,
        },
    )


def _unit_line(row: UnitReporting | None, count: int) -> str:
    if row is None:
        return _("本单位本期无应报送的共享数据。")
    rate = "—" if row.on_time_rate is None else f"{row.on_time_rate}%"
    line = _(
        "本单位：应报%(due)s期次，按时%(on_time)s，逾期报送%(late)s，未报%(missing)s，"
        "按时率%(rate)s，未办结异议%(objections)s件，排名第%(rank)s（共%(count)s个单位）。"
    ) % {
        "due": row.due, "on_time": row.on_time, "late": row.late, "missing": row.missing,
        "rate": rate, "objections": row.open_objections, "rank": row.rank, "count": count,
    }  # fmt: skip
    if row.to_be_named:
        line += _("本单位被点名督促，请立即补报，并于5个工作日内向专项工作组说明原因。")
    return line


@transaction.atomic
def bulletin_publish(
    *, actor: User, period: BulletinPeriod, today: dt.date | None = None
) -> BulletinPublication:
    """Send the period's bulletin to every active unit's liaisons and the working group.

    Only the working group publishes, only a period that has ended (its figures are final),
    and only once: the same period again is an ApplicationError naming the first publication.
    The publication and a ledger entry (发文) record who was told and the units nobody could be;
    the publication keeps the figures sent, which the page and files show from then on.
    """
    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以发布报送情况通报。"))
    today = today or timezone.localdate()
    if period.end >= today:
        raise ApplicationError(
            code=CatalogErrorCode.PERIOD_RUNNING,
            message=_("%(period)s尚未结束，结束后才能发布通报。") % {"period": period.label},
        )
    existing = BulletinPublication.objects.filter(period_key=period.key).first()
    if existing is not None:
        raise _published_already(existing)
    rows = reporting_bulletin(period=period, today=today)
    doc = bulletin_document(period, rows, issued_on=today)
    try:
        with transaction.atomic():
            publication = BulletinPublication.objects.create(
                period_key=period.key, period_label=period.label, title=doc.title,
                published_at=timezone.now(), published_by=actor, issued_on=today,
                rows=[dataclasses.asdict(r) for r in rows],
            )  # fmt: skip
    except IntegrityError:  # published by someone else a moment ago
        raise _published_already(BulletinPublication.objects.get(period_key=period.key)) from None
    key = f"bulletin:{period.key}"
    summary = "\n".join([*doc.paragraphs, *doc.closing])
    by_unit = {r.unit_id: r for r in rows}
    units = list(Unit.objects.filter(is_active=True).order_by("code"))
    book = NoticeBook(unit_ids=[u.pk for u in units])
    told: NoticeRecipients | None = None
    unreachable: list[str] = []
    for unit in units:
        if not book.active_people(unit.pk):
            if unit.pk in by_unit:  # ranked in the bulletin, and nobody there to hear of it
                unreachable.append(unit.name)
            continue
        to = notice_send(
            to=book.recipients(unit.pk), key=key, kind=NOTICE_KIND, subject=doc.title,
            body=f"{summary}\n{_unit_line(by_unit.get(unit.pk), len(rows))}",
        )  # fmt: skip
        told = to if told is None else told + to
    query = urlencode({"period": period.key})
    group = notice_send(
        to=working_group_recipients(), key=key, kind=NOTICE_KIND, subject=doc.title,
        body=summary, url=f"{reverse('sharing_catalog:bulletin')}?{query}",
    )  # fmt: skip
    told = group if told is None else told + group
    who = told.who if told.users else _("无人可通知（各单位及专项工作组均无在岗人员）")
    publication.told = [u.get_username() for u in told.users]
    publication.who = who
    publication.unreachable = unreachable
    publication.save(update_fields=["told", "who", "unreachable"])
    ledger_append(
        action=LedgerAction.DOCUMENT,
        actor=actor,
        unit=getattr(actor, "unit", None),
        target=publication,
        target_label=doc.title,
        details={
            "kind": "bulletin",
            "period": period.key,
            "told": publication.told,
            "who": who,
            "unreachable": unreachable,
            "units_ranked": len(rows),
            "named": [r.unit_name for r in rows if r.to_be_named],
        },
        category=LedgerCategory.WORKFLOW,
    )
    return publication
