"""Issuing numbered documents and configuring their numbering (the only writes of this package)."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.roles import is_working_group
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.documents.errors import DocumentErrorCode
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append

from .models import DocumentSequence, DocumentSettings, IssuedDocument

_TEMPLATE_FIELDS = frozenset({"year", "n"})


def document_settings_get() -> DocumentSettings:
    """The numbering settings (the defaults until the working group saves its own)."""
    return DocumentSettings.objects.filter(pk=1).first() or DocumentSettings(pk=1)


def number_template_check(template: str) -> str:
    """Return the template stripped, or raise if it lacks {year}/{n} or names anything else."""
    template = (template or "").strip()
    try:
        fields = {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}
        template.format(year=2026, n=1)
    except (ValueError, IndexError, KeyError):
        fields = set()
    if fields != _TEMPLATE_FIELDS:
        raise ApplicationError(
            code=DocumentErrorCode.INVALID_NUMBER_TEMPLATE,
            message=_(
                "文号模板须且只能包含 {year}（年度）和 {n}（序号），例如 蒸税共治〔{year}〕{n}号。"
            ),
        )
    return template


@transaction.atomic
def document_settings_update(
    *, actor: User, number_template: str, issuing_unit: str
) -> DocumentSettings:
    """The working group sets its document number template and its name as issuing unit."""

    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以设置公文编号。"))
    template = number_template_check(number_template)
    issuing_unit = (issuing_unit or "").strip()
    if not issuing_unit:
        raise ApplicationError(
            code=DocumentErrorCode.ISSUING_UNIT_REQUIRED, message=_("请填写发文机关。")
        )
    current = DocumentSettings.objects.select_for_update().filter(pk=1).first()
    before = (
        {"number_template": current.number_template, "issuing_unit": current.issuing_unit}
        if current
        else {}
    )
    obj, _created = DocumentSettings.objects.update_or_create(
        pk=1,
        defaults={"number_template": template, "issuing_unit": issuing_unit, "updated_by": actor},
    )
    ledger_append(
        action=LedgerAction.DOCUMENT,
        actor=actor,
        target=obj,
        target_label=str(_("公文编号设置")),
        details={"before": before, "number_template": template, "issuing_unit": issuing_unit},
        category=LedgerCategory.WORKFLOW,
    )
    return obj


def _next_serial(year: int) -> int:
    """Allocate the year's next serial under the sequence row's lock (never reused, even if rolled
    forward concurrently: the second issuer waits for the first one's commit)."""
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(year=year, last=0)], ignore_conflicts=True
    )
    seq = DocumentSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def document_for(*, target: models.Model, kind: str) -> IssuedDocument | None:
    """The document of this kind already issued for `target`, if any."""
    return IssuedDocument.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, kind=kind
    ).first()


@transaction.atomic
def document_issue(
    *,
    kind: str,
    target: models.Model,
    actor: User,
    unit: Any,
    issuing_unit: str,
    addressee: str,
    today: dt.date | None = None,
) -> IssuedDocument:
    """Give `target` its numbered document of `kind` and record it in the ledger.

    The caller (the app's service) has checked the actor's permission. One document per object
    and kind: a second issue is refused, so a number always names the same document.
    """
    today = today or timezone.localdate()
    serial = _next_serial(today.year)  # taken first: the lock also serialises the check below
    if document_for(target=target, kind=kind) is not None:
        raise ApplicationError(
            code=DocumentErrorCode.ALREADY_ISSUED, message=_("该文书已发文，不能重复编号。")
        )
    number = document_settings_get().number_template.format(year=today.year, n=serial)
    doc = IssuedDocument.objects.create(
        kind=kind,
        year=today.year,
        serial=serial,
        number=number,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        issuing_unit=issuing_unit,
        addressee=addressee,
        issued_on=today,
        issued_at=timezone.now(),
        issued_by=actor,
    )
    ledger_append(
        action=LedgerAction.DOCUMENT,
        actor=actor,
        unit=unit,
        target=target,
        target_label=f"{doc.get_kind_display()} {number}",
        details={"kind": kind, "number": number, "year": today.year, "serial": serial},
        category=LedgerCategory.WORKFLOW,
    )
    return doc
