"""The 报送情况通报 as an official document: page, print view, .docx and the published message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zhengxiang_portal.documents.render import OfficialDocument
from zhengxiang_portal.documents.services import document_settings_get

from .selectors.bulletin import BulletinPeriod, UnitReporting


def bulletin_headers() -> list[str]:
    return [
        _("排名"), _("单位"), _("应报"), _("按时"), _("逾期报送"), _("未报"), _("未到期"),
        _("按时率(%)"), _("首次校验通过率(%)"), _("未办结异议"), _("点名督促"),
    ]  # fmt: skip


def bulletin_row(r: UnitReporting) -> list[Any]:
    return [
        r.rank, r.unit_name, r.due, r.on_time, r.late, r.missing, r.pending,
        r.on_time_rate, r.first_pass_rate, r.open_objections, _("是") if r.to_be_named else "",
    ]  # fmt: skip


def bulletin_document(
    period: BulletinPeriod, rows: list[UnitReporting], issued_on: dt.date | None = None
) -> OfficialDocument:
    """The bulletin as a document, dated `issued_on` (its publication) or today."""
    named = [r for r in rows if r.to_be_named]
    due = sum(r.due for r in rows)
    summary = _(
        "%(period)s，%(units)s个单位应报送共享数据%(due)s期次，按时%(on_time)s期次，"
        "逾期报送%(late)s期次，未报%(missing)s期次。现将各单位报送情况通报如下。"
    ) % {
        "period": period.label, "units": len(rows), "due": due,
        "on_time": sum(r.on_time for r in rows), "late": sum(r.late for r in rows),
        "missing": sum(r.missing for r in rows),
    }  # fmt: skip
    if named:
        urge = _(
            "以下单位存在未报或逾期报送，予以点名督促：%(units)s。请相关单位立即补报，"
            "并于5个工作日内向专项工作组说明原因。"
        ) % {"units": "、".join(r.unit_name for r in named)}
    else:
        urge = _("本期各单位均按时报送，予以通报表扬。")
    settings = document_settings_get()
    return OfficialDocument(
        title=_("%(period)s共享数据报送情况通报") % {"period": period.label},
        number="",
        issuing_unit=settings.issuing_unit,
        issued_on=issued_on or timezone.localdate(),
        addressee=_("各共治单位"),
        basis=[_("第二十条"), _("第二十二条"), _("第二十八条")],
        paragraphs=[summary],
        table_headers=bulletin_headers(),
        table_rows=[bulletin_row(r) for r in rows],
        closing=[urge],
    )
