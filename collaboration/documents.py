"""The 协作函 (Art. 6–7) and 案件移送函 (Art. 6(三)) built from a request, in the shared layout."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.render import REGULATION, OfficialDocument, cn_date

from .models import CollaborationRequest


def letter_kind(req: CollaborationRequest) -> str:
    """A case transfer gets a 案件移送函, every other request a 协作函."""
    if req.matter_type.is_case_transfer:
        return IssuedDocument.Kind.TRANSFER_LETTER
    return IssuedDocument.Kind.COLLABORATION_LETTER


def request_letter(*, req: CollaborationRequest, issued: IssuedDocument) -> OfficialDocument:
    due = _("%(due)s前（%(n)s个工作日内）") % {
        "due": cn_date(req.due_date),
        "n": req.working_days_allowed,
    }
    if issued.kind == IssuedDocument.Kind.TRANSFER_LETTER:
        basis = [_("第六条第（三）项")]
        paragraphs = [
            _(
                "根据%(reg)s第六条第（三）项关于案件移送制度的规定，现将“%(subject)s”一案移送你单位，请依法处理。"
            )
            % {"reg": REGULATION, "subject": req.subject},
            req.body,
            _("请于%(due)s确认接收，并及时将处理结果反馈我单位。") % {"due": due},
        ]
    else:
        basis = [_("第六条"), _("第七条")]
        paragraphs = [
            _(
                "根据%(reg)s第六条、第七条，共治单位对依法提出的税费共治事项应当在职能职责范围内及时全面给予协作，不得无故拒绝、拖延。现就“%(subject)s”商请你单位协作。"
            )
            % {"reg": REGULATION, "subject": req.subject},
            req.body,
            _("请于%(due)s办理并反馈。") % {"due": due},
        ]
    facts = [(_("协作事项编号"), req.number), (_("事项类型"), req.matter_type.name)]
    if req.legal_basis:
        facts.append((_("法律依据"), req.legal_basis))
    return OfficialDocument(
        title=str(IssuedDocument.Kind(issued.kind).label),
        number=issued.number,
        issuing_unit=issued.issuing_unit,
        issued_on=issued.issued_on,
        addressee=issued.addressee,
        basis=basis,
        paragraphs=paragraphs,
        facts=facts,
    )
