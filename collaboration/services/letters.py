"""Numbered letters for requests: the 协作函 and the 案件移送函 (Art. 6, 7)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.services import document_issue

from ..documents import letter_kind
from ..models import CollaborationRequest, Status
from ..permissions import acts_for_requester


@transaction.atomic
def request_letter_issue(*, actor: User, req: CollaborationRequest) -> IssuedDocument:
    """The requesting side numbers and issues its letter to the asked unit; a ledger entry."""
    if not acts_for_requester(actor, req):
        raise PermissionDenied(_("只有请求单位可以签发协作函或案件移送函。"))
    if req.status == Status.WITHDRAWN:
        raise ApplicationError(
            code=CollaborationErrorCode.WITHDRAWN, message=_("已撤回的请求不能发函。")
        )
    return document_issue(
        kind=letter_kind(req),
        target=req,
        actor=actor,
        unit=req.requesting_unit,
        issuing_unit=req.requesting_unit.name,
        addressee=req.target_unit.name,
    )
