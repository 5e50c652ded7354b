"""The access log (访问日志, Art. 24, 27): every view or download of shared records, with purpose.

One mechanism: a ledger entry with action VIEW or DOWNLOAD (UNMASK for clear sensitive fields),
`details` carrying the item, the declared statutory purpose and the number of rows. The
submission pages and API call `access_log_record` at the moment records are shown or sent; the
purpose is declared first through the purpose step (`declared_purpose` / `purpose_declare`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sharing_catalog.models import CatalogItem
from sharing_catalog.purposes import StatutoryPurpose, purpose_label
from sharing_catalog.selectors.entitlements import user_may_read_item
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append

ACCESS_ACTIONS = {LedgerAction.VIEW, LedgerAction.DOWNLOAD, LedgerAction.UNMASK}
SESSION_KEY = "access_purposes"
# A declared purpose covers one working session on one item; after that it is asked again.
PURPOSE_VALID_FOR = dt.timedelta(hours=8)


@dataclass(frozen=True)
class Purpose:
    code: str
    text: str = ""

    @property
    def label(self) -> str:
        return purpose_label(self.code)


def purpose_validate(*, code: str, text: str = "") -> Purpose:
    """A statutory purpose from the fixed list; "other" needs its text."""
    if code not in StatutoryPurpose.values:
        raise ApplicationError(code="purpose_required", message=_("请选择法定职责用途。"))
    text = (text or "").strip()
    if code == StatutoryPurpose.OTHER and len(text) < 4:
        raise ApplicationError(
            code="purpose_text_required", message=_("选择“其他法定职责”时须说明具体用途。")
        )
    return Purpose(code=code, text=text[:300])


def purpose_declare(*, request: Any, item: CatalogItem, code: str, text: str = "") -> Purpose:
    """Remember the purpose this user declared for this item in their session."""
    purpose = purpose_validate(code=code, text=text)
    store = dict(request.session.get(SESSION_KEY, {}))
    store[str(item.pk)] = {
        "code": purpose.code,
        "text": purpose.text,
        "at": timezone.now().isoformat(),
    }
    request.session[SESSION_KEY] = store
    return purpose


def declared_purpose(*, request: Any, item: CatalogItem) -> Purpose | None:
    """The purpose declared for this item in this session, if still fresh; else None.

    API clients declare it per call with `purpose` (and `purpose_text`) query parameters.
    """
    params = getattr(request, "query_params", None)
    if params is not None and params.get("purpose"):
        return purpose_validate(code=params.get("purpose", ""), text=params.get("purpose_text", ""))
    session = getattr(request, "session", None)
    if session is None:
        return None
    stored = session.get(SESSION_KEY, {}).get(str(item.pk))
    if not stored:
        return None
    declared_at = dt.datetime.fromisoformat(stored["at"])
    if timezone.now() - declared_at > PURPOSE_VALID_FOR:
        return None
    return Purpose(code=stored["code"], text=stored.get("text", ""))


@transaction.atomic
def access_log_record(
    *,
    actor: Any,
    item: CatalogItem,
    target: Any,
    action: str,
    purpose: Purpose | str | None,
    rows: int | None = None,
    digest: str = "",
    request: Any = None,
    extra: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Log one view or download of shared records (who, unit, what, when, purpose).

    Refuses (PermissionDenied) a user who may not read the item and (ApplicationError) an
    access without a declared statutory purpose: no purpose, no data (Art. 24, 27).
    """
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"not an access action: {action}")
    if not user_may_read_item(user=actor, item=item):
        raise PermissionDenied(_("本单位无权查阅该目录项的数据。"))
    if isinstance(purpose, str):
        purpose = purpose_validate(code=purpose)
    if purpose is None:
        raise ApplicationError(code="purpose_required", message=_("查看或下载数据前须声明用途。"))
    details: dict[str, Any] = {
        "item_id": item.pk,
        "item_code": item.code,
        "purpose": purpose.code,
        "purpose_label": purpose.label,
        "purpose_text": purpose.text,
    }
    if rows is not None:
        details["rows"] = rows
    details.update(extra or {})
    return ledger_append(
        action=action,
        actor=actor,
        target=target,
        digest=digest,
        details=details,
        category=LedgerCategory.TRANSFER,
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
    )
