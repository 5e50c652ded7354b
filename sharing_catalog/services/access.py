"""The access log (访问日志, Art. 24, 27): every view or download of shared records, with purpose.

One mechanism: a ledger entry with action VIEW or DOWNLOAD (UNMASK for clear sensitive fields),
`details` carrying the item, the declared statutory purpose and the number of rows. The
read path (`services.reading`) calls `access_log_record` at the moment records are shown or
sent; the purpose is declared first through the purpose step (`purpose_declare`, valid for the
user and item until the end of the local day; `declared_purpose` finds it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import CatalogItem, PurposeDeclaration
from sharing_catalog.purposes import StatutoryPurpose, purpose_label
from sharing_catalog.selectors.entitlements import user_may_read_item
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append

ACCESS_ACTIONS = {LedgerAction.VIEW, LedgerAction.DOWNLOAD, LedgerAction.UNMASK}


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
        raise ApplicationError(
            code=CatalogErrorCode.PURPOSE_REQUIRED, message=_("请选择法定职责用途。")
        )
    text = (text or "").strip()
    if code == StatutoryPurpose.OTHER and len(text) < 4:
        raise ApplicationError(
            code=CatalogErrorCode.PURPOSE_TEXT_REQUIRED,
            message=_("选择“其他法定职责”时须说明具体用途。"),
        )
    return Purpose(code=code, text=text[:300])


def end_of_local_day(moment: dt.datetime) -> dt.datetime:
    """Local midnight (Asia/Shanghai, TIME_ZONE) after `moment`."""
    day = timezone.localdate(moment) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@transaction.atomic
def purpose_declare(*, actor: User, item: CatalogItem, code: str, text: str = "") -> Purpose:
    """Record the purpose `actor` declares for reading `item`, valid to the end of the day.

    Art. 23, 24: the tax bureau consults the same item many times a day for the same duty, so
    one declaration covers every view and download of the item by that user that day (each
    still logged with it), across sign-ins. The day ends at local midnight (Asia/Shanghai),
    not at a working-day boundary: the calendar says which days are working days, not when one
    ends, and a declaration made on a rest day (overtime) must not carry over to the next
    working day either. Declaring again replaces the purpose for the rest of the day.
    """
    if not user_may_read_item(user=actor, item=item):
        raise PermissionDenied(_("本单位无权查阅该目录项的数据。"))
    purpose = purpose_validate(code=code, text=text)
    now = timezone.now()
    PurposeDeclaration.objects.create(
        user=actor,
        item=item,
        purpose=purpose.code,
        purpose_text=purpose.text,
        declared_at=now,
        valid_until=end_of_local_day(now),
    )
    return purpose


def declared_purpose(*, request: Any, item: CatalogItem) -> Purpose | None:
    """The purpose this user declared for this item today (local day), else None.

    API clients declare it per call with `purpose` (and `purpose_text`) query parameters.
    """
    params = getattr(request, "query_params", None)
    if params is not None and params.get("purpose"):
        return purpose_validate(code=params.get("purpose", ""), text=params.get("purpose_text", ""))
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return None
    now = timezone.now()
    latest = (
        PurposeDeclaration.objects.filter(
            user=user, item=item, declared_at__lte=now, valid_until__gt=now
        )
        .order_by("-declared_at", "-pk")
        .first()
    )
    if latest is None:
        return None
    return Purpose(code=latest.purpose, text=latest.purpose_text)


@transaction.atomic
def access_log_record(
    *,
    actor: User,
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
        raise ApplicationError(
            code=CatalogErrorCode.PURPOSE_REQUIRED, message=_("查看或下载数据前须声明用途。")
        )
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
