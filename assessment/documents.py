"""The 责令改正通知书 (Art. 28) built from an order, in the shared official-document layout."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.render import REGULATION, OfficialDocument, cn_date

from .models import RectificationOrder

ORDER_DOCUMENT = IssuedDocument.Kind.RECTIFICATION_NOTICE


def order_document(*, order: RectificationOrder, issued: IssuedDocument) -> OfficialDocument:
    return OfficialDocument(
        title=str(ORDER_DOCUMENT.label),
        number=issued.number,
        issuing_unit=issued.issuing_unit,
        issued_on=issued.issued_on,
        addressee=issued.addressee,
        basis=[_("第二十八条")],
        paragraphs=[
            _("经查，你单位存在以下问题（%(failure)s）：%(facts)s")
            % {"failure": order.get_failure_display(), "facts": order.facts},
            _("根据%(reg)s第二十八条，现责令你单位于%(due)s前（%(n)s个工作日内）改正：%(req)s")
            % {
                "reg": REGULATION,
                "due": cn_date(order.due_date),
                "n": order.working_days,
                "req": order.requirement,
            },
            _(
                "请于整改期限内通过平台向专项工作组反馈整改情况。逾期未改正的，将对直接负责的主管人员和其他责任人员依法依规进行问责。"
            ),
        ],
    )
