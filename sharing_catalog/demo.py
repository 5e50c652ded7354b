"""Zhengxiang demo catalog: the 目录清单 items the regulation names, schemas and obligations.

Idempotent: items are matched by code, a schema is only created for an item that has none, and
obligations are unique per period. Runs after agencies.demo (units and the working group exist).
Past obligations are marked fulfilled on time, one late and one left overdue; the submission
demo may attach submissions to any of them (obligation_mark_fulfilled keeps the first date).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from stdnum.cn import ric, uscc

from agencies.models import Unit, User

from .models import CatalogItem, Obligation, SchemaField, SchemaVersion
from .services.catalog import (
    catalog_item_create,
    catalog_item_publish,
    schema_version_create,
    schema_version_publish,
)
from .services.obligations import (
    obligation_mark_fulfilled,
    obligations_generate,
    obligations_scan,
    period_before,
    period_containing,
)

C = CatalogItem.SharingClass
Fq = CatalogItem.Frequency
T = CatalogItem.Transmission
S = CatalogItem.Sensitivity
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
DISTRICT = "430408"  # 蒸湘区 administrative division code


def credit_code(base17: str) -> str:
    """A valid 统一社会信用代码 for examples (check character from python-stdnum, GB 32100)."""
    return base17 + uscc.calc_check_digit(base17)


def id_number(base17: str) -> str:
    """A valid 居民身份证号码 for examples (check digit from python-stdnum, GB 11643)."""
    return base17 + ric.calc_check_digit(base17 + "0")  # stdnum expects a placeholder digit


EX_CREDIT = credit_code("91430408MA4L2X3P1")
EX_CREDIT_2 = credit_code("91430400738965432")
EX_ID = id_number("43040820030612123")  # 430408 = 蒸湘区 (since 2001)


def fld(key, label, field_type, *, req=False, uk=False, enum=None, length=None, pattern="",
        example="", help_text="", sensitive=None) -> dict:  # fmt: skip
    return {
        "key": key,
        "label": label,
        "field_type": field_type,
        "required": req or uk,
        "is_unique_key": uk,
        "enum_values": enum or [],
        "max_length": length,
        "pattern": pattern,
        "example": example,
        "help_text": help_text,
        "is_sensitive": sensitive,
    }


ID_TYPES = ["居民身份证", "统一社会信用代码", "护照", "港澳居民来往内地通行证", "其他"]

# (code, name, provider, consumers, sharing class, frequency, due wd, grace wd, transmission,
#  sensitivity, legal basis, classification, summary, share condition, fields)
ITEMS = [
    (
        "ZX-ML-001",
        "不动产登记信息",
        "ZX-NR",
        ["ZX-TAX", "ZX-FIN", "ZX-HOUS"],
        C.UNCONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.SENSITIVE,
        "《中华人民共和国税收征收管理法》第五条；《不动产登记暂行条例》第二十七条；"
        "《蒸湘区税费精诚共治实施办法（试行）》第六条、第二十条",
        ("自然资源", "不动产", "登记", "权属登记"),
        "不动产首次登记、转移登记、抵押登记等登记结果，用于契税、土地增值税等税源监控。",
        "",
        [
            fld(
                "unit_no",
                "不动产单元号",
                "text",
                uk=True,
                length=28,
                pattern=r"^\d{12}[A-Z]{2}\d{5}[A-Z]\d{8}$",
                example="430408001001GB00001F00010001",
            ),
            fld(
                "obligee",
                "权利人名称",
                "text",
                req=True,
                length=100,
                example="衡阳市蒸湘区某某置业有限公司",
            ),
            fld(
                "id_type",
                "权利人证件类型",
                "enum",
                req=True,
                enum=ID_TYPES,
                example="统一社会信用代码",
            ),
            fld(
                "id_no",
                "权利人证件号码",
                "text",
                req=True,
                length=30,
                example=EX_CREDIT,
                sensitive=True,
            ),
            fld(
                "location",
                "坐落",
                "text",
                req=True,
                length=200,
                example="蒸湘区解放大道 18 号 1 栋 1201 室",
            ),
            fld("area", "建筑面积（平方米）", "decimal", example="128.56"),
            fld("price", "交易价格（元）", "decimal", example="865000.00"),
            fld(
                "reg_type",
                "登记类型",
                "enum",
                req=True,
                enum=["首次登记", "转移登记", "变更登记", "注销登记", "抵押登记"],
                example="转移登记",
            ),
            fld("reg_date", "登记日期", "date", req=True, uk=True, example="2026-10-12"),
        ],
    ),
    (
        "ZX-ML-002",
        "市场主体登记注销信息",
        "ZX-SAMR",
        ["ZX-TAX", "ZX-HRSS", "ZX-FIN"],
        C.UNCONDITIONAL,
        Fq.WEEKLY,
        2,
        1,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《中华人民共和国市场主体登记管理条例》；《中华人民共和国税收征收管理法》第十五条；"
        "《蒸湘区税费精诚共治实施办法（试行）》第六条（先税后注销）",
        ("市场监管", "登记注册", "市场主体", "设立注销"),
        "市场主体设立、变更、注销、吊销登记信息，支撑先税后注销和新办户管理。",
        "",
        [
            fld("credit_code", "统一社会信用代码", "credit_code", uk=True, example=EX_CREDIT),
            fld(
                "name",
                "市场主体名称",
                "text",
                req=True,
                length=100,
                example="衡阳市蒸湘区湘江商贸有限公司",
            ),
            fld(
                "entity_type",
                "市场主体类型",
                "enum",
                req=True,
                enum=[
                    "有限责任公司",
                    "股份有限公司",
                    "个人独资企业",
                    "合伙企业",
                    "个体工商户",
                    "农民专业合作社",
                ],
                example="有限责任公司",
            ),
            fld("legal_rep", "法定代表人", "text", req=True, length=50, example="张三"),
            fld("legal_rep_id", "法定代表人身份证号码", "id_number", example=EX_ID),
            fld(
                "event",
                "登记事项",
                "enum",
                uk=True,
                enum=["设立", "变更", "注销", "吊销"],
                example="注销",
            ),
            fld("capital", "注册资本（万元）", "decimal", example="500.00"),
            fld("approved_on", "核准日期", "date", uk=True, example="2026-11-20"),
            fld("phone", "联系电话", "phone", example="0734-8123456"),
        ],
    ),
    (
        "ZX-ML-003",
        "司法拍卖成交信息",
        "ZX-COURT",
        ["ZX-TAX"],
        C.CONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.SENSITIVE,
        "《最高人民法院关于人民法院网络司法拍卖若干问题的规定》；"
        "《蒸湘区税费精诚共治实施办法（试行）》第六条（司法拍卖税费征收协作）",
        ("政法", "审判执行", "司法拍卖", "成交结果"),
        "网络司法拍卖成交结果，用于拍卖财产交易环节税费的征收。",
        "仅用于司法拍卖财产交易税费征收，不得用于其他用途（第二十四条）",
        [
            fld("case_no", "案号", "text", uk=True, length=60, example="（2026）湘0408执1234号"),
            fld(
                "lot",
                "拍卖标的名称",
                "text",
                req=True,
                length=200,
                example="蒸湘区红湘路 66 号商铺",
            ),
            fld(
                "lot_type",
                "标的类型",
                "enum",
                req=True,
                enum=["不动产", "机动车", "股权", "其他财产"],
                example="不动产",
            ),
            fld(
                "debtor",
                "被执行人名称",
                "text",
                req=True,
                length=100,
                example="衡阳某某实业有限公司",
            ),
            fld(
                "debtor_id",
                "被执行人证件号码",
                "text",
                length=30,
                example=EX_CREDIT_2,
                sensitive=True,
            ),
            fld("buyer", "买受人名称", "text", req=True, length=100, example="李四"),
            fld(
                "buyer_id",
                "买受人证件号码",
                "text",
                req=True,
                length=30,
                example=EX_ID,
                sensitive=True,
            ),
            fld("price", "成交价格（元）", "decimal", req=True, example="1235000.00"),
            fld("deal_date", "成交日期", "date", req=True, uk=True, example="2026-10-21"),
            fld(
                "platform",
                "拍卖平台",
                "enum",
                enum=["人民法院诉讼资产网", "淘宝司法拍卖", "京东司法拍卖", "公拍网"],
                example="淘宝司法拍卖",
            ),
        ],
    ),
    (
        "ZX-ML-004",
        "社会保险费缴纳信息",
        "ZX-HRSS",
        ["ZX-TAX", "ZX-FIN"],
        C.CONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《中华人民共和国社会保险法》；《蒸湘区税费精诚共治实施办法（试行）》第六条（坚持税费皆重）",
        ("人力资源和社会保障", "社会保险", "费款征缴", "单位缴费"),
        "用人单位社会保险参保缴费核定与缴纳情况，用于社保费征缴对账。",
        "用于社会保险费征缴与对账",
        [
            fld("credit_code", "单位统一社会信用代码", "credit_code", uk=True, example=EX_CREDIT),
            fld(
                "name",
                "单位名称",
                "text",
                req=True,
                length=100,
                example="衡阳市蒸湘区湘江商贸有限公司",
            ),
            fld("period", "费款所属期", "text", uk=True, pattern=MONTH_PATTERN, example="2026-10"),
            fld(
                "insurance",
                "险种",
                "enum",
                uk=True,
                enum=["企业职工基本养老保险", "失业保险", "工伤保险"],
                example="企业职工基本养老保险",
            ),
            fld("insured", "参保人数", "integer", example="36"),
            fld("base", "缴费基数（元）", "decimal", example="152400.00"),
            fld("due_amount", "应缴金额（元）", "decimal", req=True, example="24384.00"),
            fld("paid_amount", "实缴金额（元）", "decimal", example="24384.00"),
            fld("paid_on", "缴费日期", "date", example="2026-10-15"),
        ],
    ),
    (
        "ZX-ML-005",
        "银行账户开立信息",
        "ZX-ICBC",
        ["ZX-TAX"],
        C.CONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.SENSITIVE,
        "《中华人民共和国税收征收管理法》第十七条；《蒸湘区税费精诚共治实施办法（试行）》第八条",
        ("金融", "银行账户", "单位账户", "开户销户"),
        "纳税人在本行开立、撤销存款账户的信息（征管法第十七条：银行应登记账户并提供）。",
        "依法用于税收征管；查询余额、资金往来须另行履行法定程序（第八条）",
        [
            fld(
                "credit_code", "开户单位统一社会信用代码", "credit_code", uk=True, example=EX_CREDIT
            ),
            fld(
                "name",
                "开户单位名称",
                "text",
                req=True,
                length=100,
                example="衡阳市蒸湘区湘江商贸有限公司",
            ),
            fld(
                "account",
                "账号",
                "text",
                uk=True,
                length=32,
                pattern=r"^\d{12,32}$",
                example="1904020109200012345",
                sensitive=True,
            ),
            fld(
                "account_type",
                "账户性质",
                "enum",
                req=True,
                enum=["基本存款账户", "一般存款账户", "专用存款账户", "临时存款账户"],
                example="基本存款账户",
            ),
            fld("opened_on", "开户日期", "date", req=True, example="2026-10-09"),
            fld("branch", "开户网点", "text", length=100, example="工行衡阳蒸湘支行营业部"),
            fld("state", "账户状态", "enum", req=True, enum=["正常", "销户"], example="正常"),
        ],
    ),
    (
        "ZX-ML-006",
        "供电用电量信息",
        "ZX-POWER",
        ["ZX-TAX", "ZX-DRC"],
        C.UNCONDITIONAL,
        Fq.MONTHLY,
        8,
        2,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《蒸湘区税费精诚共治实施办法（试行）》第二十二条（关联单位提供生产经营相关信息）",
        ("能源", "电力", "用电", "企业用电量"),
        "企业用户月度用电量和电费，用于税源监控和经济运行分析。",
        "",
        [
            fld(
                "account_no",
                "用电户号",
                "text",
                uk=True,
                length=20,
                pattern=r"^\d{10,20}$",
                example="0734123456789",
            ),
            fld(
                "name",
                "用电单位名称",
                "text",
                req=True,
                length=100,
                example="衡阳某某机械制造有限公司",
            ),
            fld("credit_code", "统一社会信用代码", "credit_code", example=EX_CREDIT_2),
            fld("address", "用电地址", "text", length=200, example="蒸湘区呆鹰岭镇工业园"),
            fld(
                "category",
                "用电类别",
                "enum",
                req=True,
                enum=["大工业用电", "一般工商业用电", "居民生活用电", "农业生产用电"],
                example="大工业用电",
            ),
            fld("month", "抄表年月", "text", uk=True, pattern=MONTH_PATTERN, example="2026-10"),
            fld("kwh", "用电量（千瓦时）", "decimal", req=True, example="125600.00"),
            fld("fee", "电费金额（元）", "decimal", example="86664.00"),
        ],
    ),
    (
        "ZX-ML-007",
        "建设工程项目审批信息",
        "ZX-HOUS",
        ["ZX-TAX", "ZX-FIN", "ZX-NR"],
        C.UNCONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《建筑工程施工许可管理办法》；《蒸湘区税费精诚共治实施办法（试行）》第六条（项目审批）",
        ("住房和城乡建设", "建筑市场", "施工许可", "项目审批"),
        "建筑工程施工许可证核发信息，用于建筑业项目税源登记和跨区域涉税事项管理。",
        "",
        [
            fld(
                "permit_no",
                "施工许可证编号",
                "text",
                uk=True,
                length=30,
                example="430408202610150101",
            ),
            fld(
                "project",
                "项目名称",
                "text",
                req=True,
                length=200,
                example="蒸湘区某某安置小区二期",
            ),
            fld(
                "owner",
                "建设单位名称",
                "text",
                req=True,
                length=100,
                example="衡阳市蒸湘区城市建设投资有限公司",
            ),
            fld(
                "owner_code",
                "建设单位统一社会信用代码",
                "credit_code",
                req=True,
                example=EX_CREDIT_2,
            ),
            fld(
                "builder",
                "施工单位名称",
                "text",
                req=True,
                length=100,
                example="湖南某某建工集团有限公司",
            ),
            fld(
                "builder_code",
                "施工单位统一社会信用代码",
                "credit_code",
                req=True,
                example=EX_CREDIT,
            ),
            fld("address", "项目地址", "text", length=200, example="蒸湘区长丰大道以北"),
            fld("contract", "合同价款（万元）", "decimal", req=True, example="12860.50"),
            fld("area", "建筑面积（平方米）", "decimal", example="58620.00"),
            fld("issued_on", "发证日期", "date", req=True, example="2026-10-15"),
            fld("contact_phone", "项目联系人电话", "phone", example="13907341234"),
        ],
    ),
    (
        "ZX-ML-008",
        "财政资金拨付信息",
        "ZX-FIN",
        ["ZX-TAX"],
        C.CONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《蒸湘区税费精诚共治实施办法（试行）》第五条、第六条（纳税缴费信用在财政资金安排中的应用）",
        ("财政", "国库集中支付", "资金拨付", "企业补助"),
        "拨付给企业的项目、奖补和采购资金，用于税费风险比对。",
        "用于税费风险比对与信用应用",
        [
            fld("voucher_no", "拨付凭证号", "text", uk=True, length=40, example="ZXCZ2026100088"),
            fld(
                "payee",
                "收款单位名称",
                "text",
                req=True,
                length=100,
                example="衡阳某某机械制造有限公司",
            ),
            fld(
                "payee_code",
                "收款单位统一社会信用代码",
                "credit_code",
                req=True,
                example=EX_CREDIT_2,
            ),
            fld(
                "nature",
                "资金性质",
                "enum",
                req=True,
                enum=["项目资金", "奖补资金", "政府采购资金", "其他"],
                example="奖补资金",
            ),
            fld("amount", "拨付金额（元）", "decimal", req=True, example="300000.00"),
            fld("paid_on", "拨付日期", "date", req=True, example="2026-10-28"),
            fld("project", "项目名称", "text", length=200, example="2026 年度工业企业技术改造奖补"),
        ],
    ),
    (
        "ZX-ML-009",
        "破产清算案件信息",
        "ZX-COURT",
        ["ZX-TAX", "ZX-HRSS"],
        C.UNCONDITIONAL,
        Fq.ON_EVENT,
        5,
        0,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《中华人民共和国企业破产法》；《蒸湘区税费精诚共治实施办法（试行）》第六条（破产清算协作）",
        ("政法", "审判执行", "破产案件", "受理与进展"),
        "破产申请受理及进展，供税务机关依法申报债权。",
        "",
        [
            fld("case_no", "案号", "text", uk=True, length=60, example="（2026）湘0408破1号"),
            fld(
                "debtor", "债务人名称", "text", req=True, length=100, example="衡阳某某实业有限公司"
            ),
            fld(
                "debtor_code",
                "债务人统一社会信用代码",
                "credit_code",
                req=True,
                example=EX_CREDIT_2,
            ),
            fld("accepted_on", "受理日期", "date", req=True, example="2026-09-18"),
            fld("administrator", "管理人名称", "text", length=100, example="湖南某某律师事务所"),
            fld("administrator_phone", "管理人联系电话", "phone", example="0734-8221100"),
            fld(
                "stage",
                "案件阶段",
                "enum",
                req=True,
                enum=["受理", "债权申报", "财产变价", "终结"],
                example="债权申报",
            ),
        ],
    ),
    (
        "ZX-ML-010",
        "涉税案件移送信息",
        "ZX-POL",
        ["ZX-TAX", "ZX-PROC"],
        C.CONDITIONAL,
        Fq.QUARTERLY,
        10,
        3,
        T.PLATFORM_UPLOAD,
        S.SENSITIVE,
        "《行政执法机关移送涉嫌犯罪案件的规定》；《蒸湘区税费精诚共治实施办法（试行）》第六条（三）",
        ("政法", "公安", "经济犯罪", "案件移送"),
        "税务机关移送涉税案件的立案、侦查结果反馈（应移尽移、应接尽接）。",
        "仅限税务稽查与检察监督使用",
        [
            fld("transfer_no", "移送编号", "text", uk=True, length=40, example="ZXSW-YS-2026-007"),
            fld(
                "case_name",
                "案件名称",
                "text",
                req=True,
                length=200,
                example="某某公司虚开增值税专用发票案",
            ),
            fld(
                "subject",
                "涉案主体名称",
                "text",
                req=True,
                length=100,
                example="衡阳某某贸易有限公司",
            ),
            fld("subject_code", "涉案主体统一社会信用代码", "credit_code", example=EX_CREDIT),
            fld("received_on", "接收日期", "date", req=True, example="2026-08-03"),
            fld(
                "decision",
                "立案情况",
                "enum",
                req=True,
                enum=["已立案", "不予立案", "审查中"],
                example="已立案",
            ),
            fld("result", "处理结果", "text", length=500, example="已移送审查起诉"),
            fld("feedback_on", "反馈日期", "date", example="2026-09-10"),
        ],
    ),
    (
        "ZX-ML-011",
        "医疗保险费缴纳信息",
        "ZX-MED",
        ["ZX-TAX"],
        C.CONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.API,
        S.INTERNAL,
        "《中华人民共和国社会保险法》；《医疗保障基金使用监督管理条例》；"
        "《蒸湘区税费精诚共治实施办法（试行）》第六条",
        ("医疗保障", "医保基金", "费款征缴", "单位缴费"),
        "职工医保和生育保险参保缴费信息，用于医保费征缴对账。",
        "用于医疗保险费征缴与对账",
        [
            fld("credit_code", "单位统一社会信用代码", "credit_code", uk=True, example=EX_CREDIT),
            fld(
                "name",
                "单位名称",
                "text",
                req=True,
                length=100,
                example="衡阳市蒸湘区湘江商贸有限公司",
            ),
            fld("period", "费款所属期", "text", uk=True, pattern=MONTH_PATTERN, example="2026-10"),
            fld(
                "insurance",
                "险种",
                "enum",
                uk=True,
                enum=["职工基本医疗保险", "生育保险", "城乡居民基本医疗保险"],
                example="职工基本医疗保险",
            ),
            fld("insured", "参保人数", "integer", example="36"),
            fld("due_amount", "应缴金额（元）", "decimal", req=True, example="12192.00"),
            fld("paid_amount", "实缴金额（元）", "decimal", example="12192.00"),
        ],
    ),
    (
        "ZX-ML-012",
        "政府采购中标信息",
        "ZX-FIN",
        ["ZX-TAX", "ZX-SAMR"],
        C.UNCONDITIONAL,
        Fq.MONTHLY,
        5,
        2,
        T.PLATFORM_UPLOAD,
        S.PUBLIC,
        "《中华人民共和国政府采购法》；《蒸湘区税费精诚共治实施办法（试行）》第六条（二）",
        ("财政", "政府采购", "中标成交", "中标结果"),
        "政府采购项目中标（成交）结果，用于纳税信用应用和税源跟踪。",
        "",
        [
            fld("project_no", "采购项目编号", "text", uk=True, length=40, example="ZXCG2026-045"),
            fld(
                "project",
                "项目名称",
                "text",
                req=True,
                length=200,
                example="蒸湘区智慧社区建设项目",
            ),
            fld(
                "supplier",
                "中标供应商名称",
                "text",
                req=True,
                length=100,
                example="湖南某某信息技术有限公司",
            ),
            fld(
                "supplier_code",
                "中标供应商统一社会信用代码",
                "credit_code",
                req=True,
                example=EX_CREDIT,
            ),
            fld("amount", "中标金额（元）", "decimal", req=True, example="2368000.00"),
            fld("awarded_on", "中标日期", "date", req=True, example="2026-10-30"),
            fld(
                "method",
                "采购方式",
                "enum",
                req=True,
                enum=["公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "单一来源", "询价"],
                example="公开招标",
            ),
        ],
    ),
    (
        "ZX-ML-013",
        "供水用水量信息",
        "ZX-WATER",
        ["ZX-TAX"],
        C.UNCONDITIONAL,
        Fq.QUARTERLY,
        10,
        3,
        T.PLATFORM_UPLOAD,
        S.INTERNAL,
        "《蒸湘区税费精诚共治实施办法（试行）》第二十二条（关联单位提供生产经营相关信息）",
        ("能源", "供水", "用水", "非居民用水量"),
        "非居民用户季度用水量，用于水资源税和税源监控比对。",
        "",
        [
            fld("account_no", "用水户号", "text", uk=True, length=20, example="ZX00012345"),
            fld(
                "name", "用水单位名称", "text", req=True, length=100, example="衡阳某某食品有限公司"
            ),
            fld("credit_code", "统一社会信用代码", "credit_code", example=EX_CREDIT_2),
            fld(
                "quarter",
                "所属季度",
                "enum",
                uk=True,
                enum=["第一季度", "第二季度", "第三季度", "第四季度"],
                example="第三季度",
            ),
            fld("tons", "用水量（吨）", "decimal", req=True, example="5230.00"),
            fld("fee", "水费金额（元）", "decimal", example="18305.00"),
        ],
    ),
    (
        "ZX-ML-014",
        "涉税犯罪案件侦查信息",
        "ZX-POL",
        [],
        C.NOT_SHARED,
        Fq.ON_EVENT,
        5,
        0,
        T.OFF_PLATFORM,
        S.CONFIDENTIAL,
        "《中华人民共和国刑事诉讼法》（侦查不公开）；《蒸湘区税费精诚共治实施办法（试行）》第二十四条",
        ("政法", "公安", "经济犯罪", "侦查"),
        "侦查过程信息依法不予共享；结果通过“涉税案件移送信息”反馈，个案经专项工作组协调线下办理。",
        "",
        [
            fld("case_no", "案件编号", "text", uk=True, length=40, example="ZXGA-JZ-2026-001"),
            fld("case_name", "案件名称", "text", req=True, length=200, example="（不予共享）"),
        ],
    ),
]

OVERDUE_ITEM = "ZX-ML-006"  # 供电用电量信息: its last ended period is left overdue
LATE_ITEM = "ZX-ML-008"  # 财政资金拨付信息: one period confirmed after the grace period


def _create_item(actor: User, units: dict[str, Unit], spec: tuple) -> CatalogItem:
    (code, name, provider, consumers, sharing, freq, due, grace, transmission, sensitivity,
     legal, classes, summary, condition, fields) = spec  # fmt: skip
    item = CatalogItem.objects.filter(code=code).first()
    if item is None:
        item = catalog_item_create(
            actor=actor,
            consumers=[units[c] for c in consumers],
            code=code,
            name=name,
            provider=units[provider],
            sharing_class=sharing,
            legal_basis=legal,
            frequency=freq,
            due_working_days=due,
            grace_working_days=grace,
            transmission=transmission,
            sensitivity=sensitivity,
            grant_needs_working_group=sharing == C.CONDITIONAL and sensitivity == S.SENSITIVE,
            class_category=classes[0],
            class_item=classes[1],
            class_catalog=classes[2],
            class_detail=classes[3],
            resource_code=f"{DISTRICT}-{provider}-{code[-3:]}",
            provider_code=provider,
            summary=summary,
            description=summary,
            share_condition=condition,
            share_method={
                T.PLATFORM_UPLOAD: "平台上传（Excel/CSV）",
                T.API: "接口推送",
                T.OFF_PLATFORM: "线下报备（第二十一条）",
            }[transmission],
            open_attribute=(
                CatalogItem.OpenAttribute.CONDITIONAL
                if sensitivity == S.PUBLIC
                else CatalogItem.OpenAttribute.CLOSED
            ),
        )
    if not item.schema_versions.exists():
        schema = schema_version_create(actor=actor, item=item, fields=fields, note="首版")
        schema_version_publish(actor=actor, schema=schema)
    else:
        _seal_identity_fields(item, fields)
    if item.status == CatalogItem.Status.DRAFT:
        item = catalog_item_publish(actor=actor, item=item)
    return item


def _seal_identity_fields(item: CatalogItem, fields: list[dict]) -> None:
    """Mark the identity numbers the spec calls sensitive in a schema seeded before it said so.

    A database seeded before 被执行人证件号码 was marked sensitive (issue 14) holds it in clear;
    re-seeding marks the field and re-seals those rows (records_rotate seals values stored in
    clear). Until then the codec reads values stored in clear as they are, so nothing becomes
    unreadable either way.
    """
    from .services.record_codec import rotate_records

    keys = [f["key"] for f in fields if f["is_sensitive"]]
    marked = SchemaField.objects.filter(schema__item=item, key__in=keys, is_sensitive=False).update(
        is_sensitive=True
    )
    if marked:
        rotate_records()


def _history(items: list[CatalogItem], today: dt.date) -> None:
    """Obligations of the last few periods; past ones confirmed, except the demo's exceptions."""
    for item in items:
        period = period_containing(item.frequency, today)
        periods = []
        depth = {Fq.WEEKLY: 6, Fq.MONTHLY: 4, Fq.QUARTERLY: 2}.get(item.frequency, 1)
        while period is not None and len(periods) < depth:
            periods.append(period)
            period = period_before(item.frequency, period)
        for p in periods:
            obligations_generate(day=p.start, items=[item])
    overdue_kept = False
    for obligation in (
        Obligation.objects.filter(item__in=items, status=Obligation.Status.OPEN)
        .select_related("item")
        .order_by("-due_date")
    ):
        if obligation.grace_until >= today:
            continue  # still within its deadline: the provider's to-do
        if obligation.item.code == OVERDUE_ITEM and not overdue_kept:
            overdue_kept = True  # the latest ended period stays unpaid: overdue on the next scan
            continue
        local = timezone.get_current_timezone()
        day = obligation.due_date - dt.timedelta(days=1)
        if obligation.item.code == LATE_ITEM and obligation.period_start.month % 2 == 1:
            day = obligation.grace_until + dt.timedelta(days=3)
        at = dt.datetime.combine(day, dt.time(15, 30), tzinfo=local)
        obligation_mark_fulfilled(obligation=obligation, at=at)


def _seed_catalog() -> str:
    actor = User.objects.get(username="wg_leader")
    units = {u.code: u for u in Unit.objects.all()}
    items = [_create_item(actor, units, spec) for spec in ITEMS]
    # The catalog went live in the spring; publication dates say so.
    launch = timezone.now() - dt.timedelta(days=200)
    CatalogItem.objects.filter(pk__in=[i.pk for i in items], published_at__gt=launch).update(
        published_at=launch
    )
    SchemaVersion.objects.filter(item__in=items, version=1, published_at__gt=launch).update(
        published_at=launch
    )
    today = timezone.localdate()
    _history([i for i in items if i.status == CatalogItem.Status.PUBLISHED], today)
    scan = obligations_scan()
    return (
        f"{len(items)} catalog items, {Obligation.objects.count()} obligations "
        f"(reminded {scan.reminded}, overdue {scan.overdue}, escalated {scan.escalated})"
    )


def _seed_catalog_and_governance() -> str:
    """The catalog, then the issue-4 demo (objection, grants, agreements, coordination)."""
    from . import demo_governance

    return f"{_seed_catalog()}; governance: {demo_governance.seed()}"


def seed() -> str:
    return _seed_catalog_and_governance()
