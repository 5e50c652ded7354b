"""Demo data of issue 4: a confirmed court submission with sensitive fields and an objection on
two rows, a conditional bank item with a pending grant, off-platform agreements (one overdue
for migration) and a coordination request. Idempotent; reuses the catalog demo's items when
they exist and creates its own otherwise.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import ric, uscc

from agencies.models import Unit, User
from sharing_catalog.models import (
    AccessGrant,
    CatalogItem,
    CoordinationRequest,
    FieldType,
    Objection,
    Obligation,
    OffPlatformAgreement,
    SchemaField,
    SchemaVersion,
    Submission,
)
from sharing_catalog.purposes import StatutoryPurpose
from sharing_catalog.selectors.catalog import schema_in_force
from sharing_catalog.services.agreements import agreement_file, agreement_register
from sharing_catalog.services.coordination import coordination_request_create
from sharing_catalog.services.grants import (
    grant_apply,
    grant_decide_provider,
    grant_decide_working_group,
)
from sharing_catalog.services.ingest.pipeline import submission_ingest
from sharing_catalog.services.ingest.upload import DuplicateFile, submission_upload
from sharing_catalog.services.masking import field_disclosure_add, sensitive_field_choices
from sharing_catalog.services.objections import objection_raise
from sharing_catalog.services.submissions import submission_confirm

AUCTION_FIELDS = [
    ("credit_code", "买受人统一社会信用代码", FieldType.CREDIT_CODE, True, False),
    ("buyer", "买受人名称", FieldType.TEXT, False, False),
    ("case_no", "案号", FieldType.TEXT, True, False),
    ("amount", "成交金额", FieldType.DECIMAL, False, False),
    ("deal_date", "成交日期", FieldType.DATE, False, False),
    ("legal_id", "法定代表人身份证号码", FieldType.ID_NUMBER, False, True),
    ("phone", "联系电话", FieldType.PHONE, False, True),
]
BANK_FIELDS = [
    ("credit_code", "开户单位统一社会信用代码", FieldType.CREDIT_CODE, True, False),
    ("account", "账号", FieldType.TEXT, True, True),
    ("opened_on", "开户日期", FieldType.DATE, False, False),
    ("legal_id", "法定代表人身份证号码", FieldType.ID_NUMBER, False, True),
]


def _item(code, name, provider, consumers, sharing_class, fields, **extra) -> tuple:
    """The catalog demo's item of that name and provider, else one created here."""
    existing = CatalogItem.objects.filter(provider=provider, name=name).first()
    if existing is not None:
        return existing, False
    item, created = CatalogItem.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "provider": provider,
            "sharing_class": sharing_class,
            "legal_basis": "《税收征收管理法》第五条、第六条；《实施办法》第十九条、第二十条",
            "frequency": CatalogItem.Frequency.MONTHLY,
            "transmission": CatalogItem.Transmission.PLATFORM_UPLOAD,
            "status": CatalogItem.Status.PUBLISHED,
            "published_at": timezone.now(),
            "sensitivity": CatalogItem.Sensitivity.SENSITIVE,
            **extra,
        },
    )
    if created:
        item.consumers.set(consumers)
        schema = SchemaVersion.objects.create(item=item, version=1, published_at=timezone.now())
        for pos, (key, label, ftype, unique, sensitive) in enumerate(fields, start=1):
            SchemaField.objects.create(
                schema=schema,
                position=pos,
                key=key,
                label=label,
                field_type=ftype,
                required=unique,
                is_unique_key=unique,
                is_sensitive=sensitive,
            )
    return item, True


def _id_number(n: int) -> str:
    body = f"43040819800101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def _credit_code(n: int) -> str:
    body = f"91430408MA4L{n:05d}"
    return body + uscc.calc_check_digit(body)


BUYERS = [
    "衡阳湘江置业有限公司",
    "衡阳蒸湘商贸有限公司",
    "湖南雁城机械有限公司",
    "衡阳华新建材有限公司",
]
KNOWN_VALUES = {
    "case_no": lambda n: f"（2026）湘0408执{100 + n}号",
    "buyer": lambda n: BUYERS[n - 1],
    "buyer_id": _id_number,
    "legal_id": _id_number,
    "credit_code": _credit_code,
    "debtor": lambda n: "衡阳某某实业有限公司",
    "debtor_id": lambda n: _credit_code(90 + n),
    "lot": lambda n: f"蒸湘区红湘路 {60 + n} 号商铺",
    "phone": lambda n: f"1397340{n:04d}",
}


def _value(field, n: int):
    """A valid value of one schema field for demo row n (1..4)."""
    if field.key in KNOWN_VALUES:
        return KNOWN_VALUES[field.key](n)
    if field.field_type == FieldType.DATE:
        return f"2026-10-{10 + n:02d}"
    if field.field_type == FieldType.DECIMAL:
        return f"{n * 385000}.00"
    if field.field_type == FieldType.ENUM and field.enum_values:
        return field.enum_values[0]
    return field.example or f"示例{n}"


def _auction_file(item: CatalogItem) -> SimpleUploadedFile:
    from openpyxl import Workbook

    schema = schema_in_force(item=item)
    if schema is None:  # the demo catalog publishes every item's schema before this runs
        raise LookupError(f"{item.code} has no schema in force")
    fields = list(schema.fields.all())
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([f.label for f in fields])
    for n in range(1, len(BUYERS) + 1):
        sheet.append([_value(f, n) for f in fields])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("司法拍卖成交信息_2026年10月.xlsx", out.getvalue())


def _confirmed_auction_submission(item: CatalogItem, court_liaison: User) -> Submission | None:
    obligation, _c = Obligation.objects.get_or_create(
        item=item,
        period_start=dt.date(2026, 10, 1),
        defaults={
            "period_end": dt.date(2026, 10, 31),
            "period_label": "2026年10月",
            "due_date": dt.date(2026, 11, 7),
            "grace_until": dt.date(2026, 11, 10),
        },
    )
    existing = Submission.objects.filter(
        obligation=obligation, status=Submission.Status.CONFIRMED
    ).first()
    if existing is not None:
        return existing
    try:
        submission = submission_upload(
            obligation=obligation, actor=court_liaison, uploaded_file=_auction_file(item)
        )
    except DuplicateFile as exc:
        submission = exc.existing
    submission = submission_ingest(submission_id=submission.pk)
    if submission.status != Submission.Status.VALIDATED:
        return None
    return submission_confirm(submission=submission, actor=court_liaison)


def _approved_grant(item: CatalogItem, consumer: Unit, users: dict) -> None:
    """The tax bureau's live grant on a conditional item (provider, then working group)."""

    if AccessGrant.objects.filter(item=item, consumer=consumer).exists():
        return
    grant = grant_apply(
        actor=users["tax_staff"],
        item=item,
        consumer=consumer,
        purpose="collection",
        purpose_text="司法拍卖财产交易环节税费征收",
        legal_basis="《税收征收管理法》第五条；《实施办法》第六条（司法拍卖税费征收协作）",
    )
    grant = grant_decide_provider(actor=users["liaison_court"], grant=grant, approve=True)
    if grant.awaiting_working_group:
        grant_decide_working_group(actor=users["wg_leader"], grant=grant, approve=True)


def _disclose_buyer_id(item: CatalogItem, tax: Unit, wg_leader: User) -> None:
    """The working group lets the tax bureau read 买受人证件号码 in clear for 税费征收管理.

    Art. 23, 24: collecting the transfer taxes of an auctioned property needs the buyer's
    identity; every other consumer (and any other purpose) keeps seeing it masked.
    """

    if "buyer_id" in dict(sensitive_field_choices(item=item)):
        field_disclosure_add(
            actor=wg_leader,
            item=item,
            consumer=tax,
            field_key="buyer_id",
            purpose=StatutoryPurpose.COLLECTION,
        )


def seed() -> str:
    units = {u.code: u for u in Unit.objects.filter(code__startswith="ZX-")}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "tax_staff",
                "liaison_court",
                "liaison_bank",
                "liaison_hrss",
                "liaison_housing",
                "liaison_land",
                "wg_leader",
            ]
        )
    }
    if "ZX-TAX" not in units or len(users) < 7:
        return "skipped (agencies demo missing)"
    tax = units["ZX-TAX"]
    done = []
    auction, _own = _item(
        "ZX-DEMO-SFPM",
        "司法拍卖成交信息",
        units["ZX-COURT"],
        [tax],
        CatalogItem.SharingClass.UNCONDITIONAL,
        AUCTION_FIELDS,
    )
    if auction.sharing_class == CatalogItem.SharingClass.CONDITIONAL:
        _approved_grant(auction, tax, users)
    _disclose_buyer_id(auction, tax, users["wg_leader"])
    submission = _confirmed_auction_submission(auction, users["liaison_court"])
    if submission is not None and not Objection.objects.filter(submission=submission).exists():
        rows = list(
            submission.records.order_by("row_number").values_list("row_number", flat=True)[:2]
        )
        objection_raise(
            actor=users["tax_staff"],
            submission=submission,
            category=Objection.Category.ERROR,
            description="第2、3行成交金额与法院网络司法拍卖平台公示金额不一致，请核实。",
            rows=rows,
        )
        done.append("objection")
    bank, _own = _item(
        "ZX-DEMO-YHKH",
        "银行账户开立信息",
        units["ZX-ICBC"],
        [tax],
        CatalogItem.SharingClass.CONDITIONAL,
        BANK_FIELDS,
        grant_needs_working_group=True,
    )
    if (
        bank.sharing_class == CatalogItem.SharingClass.CONDITIONAL
        and not AccessGrant.objects.filter(item=bank, consumer=tax).exists()
    ):
        grant_apply(
            actor=users["tax_staff"],
            item=bank,
            consumer=tax,
            purpose="risk",
            purpose_text="欠税人银行账户核查",
            legal_basis="《中华人民共和国税收征收管理法》第五十四条第（六）项",
        )
        done.append("grant")
    if not OffPlatformAgreement.objects.exists():
        today = timezone.localdate()
        filed = agreement_register(
            actor=users["liaison_land"],
            provider=units["ZX-NR"],
            consumer=tax,
            content="存量房交易网签备案信息（平台目录外新增信息）",
            format_standard="Excel，字段按双方约定的《存量房信息交换说明》",
            method=OffPlatformAgreement.Method.MEDIA,
            frequency=CatalogItem.Frequency.MONTHLY,
            signed_on=today - dt.timedelta(days=120),
            target_migration_date=today + dt.timedelta(days=60),
        )
        agreement_file(actor=users["liaison_land"], agreement=filed)
        agreement_register(
            actor=users["liaison_housing"],
            provider=units["ZX-HOUS"],
            consumer=tax,
            content="建筑工程施工许可及竣工验收信息",
            format_standard="纸质清单加盖公章",
            method=OffPlatformAgreement.Method.PAPER,
            frequency=CatalogItem.Frequency.QUARTERLY,
            signed_on=today - dt.timedelta(days=300),
            target_migration_date=today - dt.timedelta(days=30),
        )
        done.append("agreements")
    hrss, _own = _item(
        "ZX-DEMO-SBJF",
        "社会保险费缴纳信息",
        units["ZX-HRSS"],
        [tax],
        CatalogItem.SharingClass.UNCONDITIONAL,
        [BANK_FIELDS[0], ("amount", "缴费金额", FieldType.DECIMAL, False, False)],
    )
    if not CoordinationRequest.objects.filter(item=hrss).exists():
        coordination_request_create(
            actor=users["liaison_hrss"],
            item=hrss,
            reason=CoordinationRequest.Reason.POLICY,
            reason_text="省级社保系统数据下放口径尚未明确，区级暂无法按月导出单位缴费明细。",
        )
        done.append("coordination")
    return ", ".join(done) or "already present"
