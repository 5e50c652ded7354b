"""Demo collaboration requests between 区税务局 and five units, in every state (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from agencies.models import Unit, User
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule, deadline_rules_record

from .models import CollaborationRequest, MatterType, TimelineEntry, TransferOutcome
from .services import (
    extension_decide,
    request_accept,
    request_answer,
    request_ask_clarification,
    request_ask_extension,
    request_close,
    request_contest,
    request_create,
    request_deadline_scan,
    request_refuse,
    request_start,
    request_withdraw,
    transfer_acknowledge,
    transfer_report_outcome,
    transfer_return,
)

# Same list and values as the migrations seed (0002 and its correction 0007, 0005 for the banks):
# a flushed test database needs it again, and tests/collaboration/test_matter_types.py holds the
# three equal. Each legal basis cites this regulation by article alone and other laws by name.
MATTER_TYPES = [
    ("tax-before-cert", "先税后证核验", "enforcement", 3, False, "第六条第一项"),
    (
        "withholding-assist",
        "代扣代缴协助",
        "enforcement",
        10,
        False,
        "第六条第一项；《税收征收管理法》第三十条",
    ),
    ("tax-info-query", "涉税信息查询", "supervision", 5, False, "第六条第二项、第二十二条"),
    (
        "bank-account-query",
        "银行账户查询",
        "enforcement",
        5,
        False,
        "第八条；《税收征收管理法》第五十四条第六项",
    ),
    (
        "judicial-auction",
        "司法拍卖税费协助",
        "judicial",
        10,
        False,
        "第六条第三项（人民法院税费征收协作）",
    ),
    (
        "bankruptcy-claim",
        "破产清算债权申报",
        "judicial",
        15,
        False,
        "第六条第三项；《企业破产法》第四十八条",
    ),
    ("case-transfer", "案件移送", "judicial", 30, True, "第六条第三项（案件移送制度）"),
    ("clue-transfer", "线索移送", "judicial", 10, False, "第六条第三项（线索移送）"),
    ("joint-investigation", "协查取证", "judicial", 15, False, "第六条第三项（协查取证）"),
    ("joint-publicity", "联合宣传", "service", 20, False, "第六条第四项、第十一条"),
    # Banks (Art. 8); migration 0005 seeds the same three with the same values.
    (
        "bank-preservation",
        "税收保全协助",
        "enforcement",
        3,
        False,
        "第八条；《税收征收管理法》第三十八条",
    ),
    (
        "bank-enforcement",
        "税收强制执行协助",
        "enforcement",
        5,
        False,
        "第八条；《税收征收管理法》第四十条",
    ),
    (
        "bank-reconciliation",
        "社会保险费待报解账户对账",
        "enforcement",
        10,
        False,
        "第八条（定期对社会保险费待报解账户开展对账核实）",
    ),
]


def ensure_matter_types() -> int:
    for order, (code, name, category, days, transfer, basis) in enumerate(MATTER_TYPES, start=1):
        MatterType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "default_working_days": days,
                "is_case_transfer": transfer,
                "legal_basis": basis,
                "order": order * 10,
            },
        )
    return MatterType.objects.count()


def _backdate(req: CollaborationRequest, *, working_days_ago: int) -> None:
    """Move a demo request (and its history) into the past so that it shows as overdue."""
    cal = WorkingCalendar()
    today = timezone.localdate()
    start = today
    for _ in range(working_days_ago):
        start -= dt.timedelta(days=1)
        while not cal.is_working_day(start):
            start -= dt.timedelta(days=1)
    rule = Rule("due_date", req.matter_type.default_working_days, start=start)
    due = rule.compute(cal)
    shift = dt.timedelta(days=(today - start).days)
    CollaborationRequest.objects.filter(pk=req.pk).update(
        submitted_on=start, submitted_at=req.submitted_at - shift, due_date=due
    )
    deadline_rules_record([(req, rule)])
    for entry in TimelineEntry.objects.filter(request=req):
        TimelineEntry.objects.filter(pk=entry.pk).update(created_at=entry.created_at - shift)


def _due_soon(req: CollaborationRequest) -> None:
    """Make a demo request fall due on the next working day (the amber highlight)."""
    rule = Rule("due_date", 1, start=timezone.localdate())
    CollaborationRequest.objects.filter(pk=req.pk).update(due_date=rule.compute())
    deadline_rules_record([(req, rule)])


def seed() -> str:
    ensure_matter_types()
    if CollaborationRequest.objects.filter(subject__startswith="【演示】").exists():
        return f"{CollaborationRequest.objects.count()} requests (already seeded)"
    units = {u.code: u for u in Unit.objects.filter(code__startswith="ZX-")}
    users = {u.username: u for u in User.objects.filter(username__in=_LOGINS)}
    if "ZX-TAX" not in units or len(users) < len(_LOGINS):
        return "skipped: agencies demo missing"
    tax, staff = units["ZX-TAX"], users["tax_staff"]
    mt = {m.code: m for m in MatterType.objects.all()}

    def out(target: str, matter: str, subject: str, body: str, **kw) -> CollaborationRequest:
        return request_create(
            actor=staff,
            requesting_unit=tax,
            target_unit=units[target],
            matter_type=mt[matter],
            subject=f"【演示】{subject}",
            body=body,
            **kw,
        )

    samr, court, bank = users["liaison_market"], users["liaison_court"], users["liaison_bank"]
    land, police = users["liaison_land"], users["liaison_police"]

    # 1. New, waiting to be accepted.
    out(
        "ZX-SAMR",
        "tax-info-query",
        "湘江贸易有限公司股权变更登记信息",
        "请提供湘江贸易有限公司 2026 年股权变更登记材料，用于股权转让个人所得税核查。",
    )
    # 2. Accepted and in progress.
    r = out(
        "ZX-NR",
        "tax-before-cert",
        "蒸湘区某小区 3 栋不动产登记先税后证核验",
        "请核验 12 套房屋不动产登记前的契税完税情况，清单见附件。",
    )
    request_accept(req=r, actor=land)
    request_start(req=r, actor=land, comment="已安排登记股核对。")
    _due_soon(r)
    # 3. Answered and closed.
    r = out(
        "ZX-ICBC",
        "bank-account-query",
        "欠税企业衡阳某建材公司账户余额查询",
        "依据《税收征收管理法》第五十四条，请协助查询该公司在贵行账户余额。",
    )
    request_accept(req=r, actor=bank)
    request_answer(req=r, actor=bank, answer="已查询：基本户余额 12,384.50 元，一般户已销户。")
    request_close(req=r, actor=staff, comment="已收悉，谢谢配合。")
    # 4. Answered, waiting for the staff to close.
    r = out(
        "ZX-COURT",
        "judicial-auction",
        "司法拍卖房产税费协助",
        "(2026)湘0408执 123 号拍卖房产，请协助告知买受人及成交价，以便计算应缴税费。",
    )
    request_accept(req=r, actor=court)
    request_answer(
        req=r, actor=court, answer="买受人：张某；成交价 86.5 万元；拍卖成交确认书见执行卷。"
    )
    # 5. Awaiting clarification (clock paused).
    r = out(
        "ZX-SAMR",
        "joint-investigation",
        "协查个体户经营地址变更情况",
        "请协查 5 户个体工商户 2025 年以来的经营地址变更情况。",
    )
    request_accept(req=r, actor=samr)
    request_ask_clarification(req=r, actor=samr, question="请提供 5 户个体户的统一社会信用代码。")
    # 6. Extension asked, pending the staff's decision.
    r = out(
        "ZX-NR",
        "withholding-assist",
        "土地出让金相关代扣代缴资料",
        "请提供 2026 年第三季度国有土地使用权出让合同清单。",
    )
    request_accept(req=r, actor=land)
    request_ask_extension(
        req=r,
        actor=land,
        reason="合同归档在市局，需调档。",
        new_due_date=r.due_date + dt.timedelta(days=14),
    )
    # 7. Extension approved.
    r = out(
        "ZX-ICBC",
        "bank-account-query",
        "社保费待报解账户对账核实",
        "依据第八条，请对 10 月社会保险费待报解账户开展对账核实。",
    )
    request_accept(req=r, actor=bank)
    ext = request_ask_extension(
        req=r,
        actor=bank,
        reason="需省分行数据中心协助导出。",
        new_due_date=r.due_date + dt.timedelta(days=7),
    )
    extension_decide(ext=ext, actor=staff, approve=True, comment="同意延期。")
    # 8. Overdue (accepted long ago, never answered).
    r = out(
        "ZX-SAMR",
        "tax-before-cert",
        "注销登记先税后注销核验",
        "请核验 3 户企业申请注销登记前的清税证明。",
    )
    request_accept(req=r, actor=samr)
    _backdate(r, working_days_ago=8)
    # 9. Refused and contested: waits for the working group's ruling.
    r = out(
        "ZX-COURT",
        "bankruptcy-claim",
        "衡阳某置业公司破产清算债权申报",
        "请告知破产管理人联系方式及债权申报期限，我局拟申报欠缴税款及滞纳金债权。",
    )
    request_refuse(
        req=r, actor=court, justification="该案尚未裁定受理破产申请，暂无管理人信息可提供。"
    )
    request_contest(
        req=r, actor=staff, reason="法院已于 11 月 3 日公告受理该破产申请，拒绝理由与事实不符。"
    )
    # 10. Case transfer to the police, acknowledged.
    r = out(
        "ZX-POL",
        "case-transfer",
        "涉嫌虚开增值税专用发票案件移送",
        "经稽查，衡阳某商贸公司涉嫌虚开增值税专用发票，价税合计 1,260 万元，依法移送。",
    )
    request_accept(req=r, actor=police, comment="已接收，转经侦大队审查。")
    # 11. Case transfer with outcome reported.
    r = out(
        "ZX-POL",
        "case-transfer",
        "涉嫌逃避追缴欠税案件移送",
        "衡阳某物流公司转移财产逃避追缴欠税 86 万元，依法移送。",
    )
    request_accept(req=r, actor=police)
    transfer_report_outcome(
        req=r, actor=police, outcome=TransferOutcome.FILED, note="已于 11 月 20 日立案侦查。"
    )
    # 12. Request from a unit to the tax bureau, and a withdrawn one.
    request_create(
        actor=samr,
        requesting_unit=units["ZX-SAMR"],
        target_unit=tax,
        matter_type=mt["tax-info-query"],
        subject="【演示】拟评先企业纳税信用等级查询",
        body="请提供 8 家拟评“守合同重信用”企业的纳税信用等级（第六条第二项）。",
    )
    r = out(
        "ZX-SAMR",
        "joint-publicity",
        "个体户税费政策联合宣讲",
        "拟于 12 月联合开展个体工商户税费优惠政策宣讲。",
    )
    request_withdraw(req=r, actor=staff, reason="活动改由区个私协会组织。")
    _case_transfers(out, police)
    # Send what is due now (the overdue one's notice), as the periodic scan would.
    scan = request_deadline_scan()
    return f"{CollaborationRequest.objects.count()} requests, {scan.notifications} notifications"


def _case_transfers(out, police: User) -> None:
    """A case with several progress reports, and one returned for administrative handling."""
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    # 14. Transferred six weeks ago; the police reported each stage (Art. 6(三)).
    r = out(
        "ZX-POL",
        "case-transfer",
        "涉嫌骗取出口退税案件移送",
        "经稽查，衡阳某进出口公司以虚假出口骗取出口退税 318 万元，涉嫌犯罪，依法移送。",
    )
    _backdate(r, working_days_ago=30)
    transfer_acknowledge(req=r, actor=police, comment="已接收，转经侦大队审查。")
    for stage, days, note in [
        (TransferOutcome.RECEIVED, 40, "经侦大队已受理，开展初查。"),
        (TransferOutcome.FILED, 30, "经初查符合立案条件，已立案侦查。"),
        (TransferOutcome.FOR_PROSECUTION, 5, "侦查终结，已移送区人民检察院审查起诉。"),
    ]:
        transfer_report_outcome(
            req=r, actor=police, outcome=stage, note=note, occurred_on=ago(days)
        )
    # 15. Not filed, returned to the tax bureau for administrative handling.
    r = out(
        "ZX-POL",
        "case-transfer",
        "涉嫌逃税案件移送（不立案）",
        "衡阳某餐饮公司隐匿收入少缴税款 9.6 万元，涉嫌逃税，依法移送。",
    )
    _backdate(r, working_days_ago=20)
    transfer_acknowledge(req=r, actor=police)
    transfer_report_outcome(
        req=r,
        actor=police,
        outcome=TransferOutcome.RECEIVED,
        note="已受理审查。",
        occurred_on=ago(25),
    )
    transfer_return(
        req=r,
        actor=police,
        outcome=TransferOutcome.NOT_FILED,
        reason="该公司已在税务机关下达追缴通知后补缴税款及滞纳金，且五年内未因逃税受过刑事处罚，"
        "依照《刑法》第二百零一条第四款不予追究刑事责任，建议税务机关依法给予行政处罚。",
        occurred_on=ago(3),
    )


_LOGINS = [
    "tax_staff",
    "liaison_market",
    "liaison_court",
    "liaison_bank",
    "liaison_land",
    "liaison_police",
]
