"""Zhengxiang demo: the units Art. 1 names, liaisons and the demo logins (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from .models import RELATED_UNIT_KINDS, Liaison, Unit, UnitKind, User, WorkingGroupMember
from .roles import Role
from .services import ACT_FOR_UNIT, roles_sync

DEMO_PASSWORD = "Zhengxiang@2026"  # noqa: S105  (documented demo password, demo data only)

K = UnitKind
# (code, name, short name, kind, responsible department)
UNITS = [
    ("ZX-TAX", "国家税务总局衡阳市蒸湘区税务局", "区税务局", K.TAX_BUREAU, "征收管理股"),
    ("ZX-FIN", "蒸湘区财政局", "区财政局", K.DISTRICT_DEPARTMENT, "综合股"),
    ("ZX-DRC", "蒸湘区发展和改革局", "区发改局", K.DISTRICT_DEPARTMENT, "经济运行股"),
    ("ZX-SAMR", "蒸湘区市场监督管理局", "区市场监管局", K.DISTRICT_DEPARTMENT, "登记注册股"),
    ("ZX-NR", "衡阳市自然资源和规划局蒸湘分局", "区自然资源局", K.MUNICIPAL_UNIT, "不动产登记股"),
    ("ZX-HRSS", "蒸湘区人力资源和社会保障局", "区人社局", K.DISTRICT_DEPARTMENT, "社会保险股"),
    ("ZX-HOUS", "蒸湘区住房和城乡建设局", "区住建局", K.DISTRICT_DEPARTMENT, "建筑市场股"),
    ("ZX-MED", "蒸湘区医疗保障局", "区医保局", K.DISTRICT_DEPARTMENT, "基金监管股"),
    ("ZX-GOV", "蒸湘区政务服务和大数据中心", "区政务服务中心", K.DISTRICT_DEPARTMENT, "数据管理股"),
    ("ZX-JUST", "蒸湘区司法局", "区司法局", K.DISTRICT_DEPARTMENT, "法治督察股"),
    ("ZX-EDU", "蒸湘区教育局", "区教育局", K.DISTRICT_DEPARTMENT, "办公室"),
    ("ZX-FINC", "蒸湘区金融事务中心", "区金融事务中心", K.DISTRICT_DEPARTMENT, "金融服务股"),
    ("ZX-COURT", "衡阳市蒸湘区人民法院", "区人民法院", K.COURT, "执行局"),
    ("ZX-PROC", "衡阳市蒸湘区人民检察院", "区人民检察院", K.PROCURATORATE, "第四检察部"),
    ("ZX-POL", "衡阳市公安局蒸湘分局", "区公安分局", K.POLICE, "经济犯罪侦查大队"),
    ("ZX-PBC", "中国人民银行衡阳市分行", "人行衡阳分行", K.CENTRAL_UNIT, "国库科"),
    ("ZX-PROV", "湖南省衡阳生态环境监测中心", "省环境监测中心", K.PROVINCIAL_UNIT, "综合科"),
    ("ZX-LH", "蒸湘区联合街道办事处", "联合街道", K.TOWN_STREET, "经济发展办"),
    ("ZX-ZX", "蒸湘区蒸湘街道办事处", "蒸湘街道", K.TOWN_STREET, "经济发展办"),
    ("ZX-HX", "蒸湘区红湘街道办事处", "红湘街道", K.TOWN_STREET, "经济发展办"),
    ("ZX-YMS", "蒸湘区雨母山镇人民政府", "雨母山镇", K.TOWN_STREET, "财政所"),
    ("ZX-DYL", "蒸湘区呆鹰岭镇人民政府", "呆鹰岭镇", K.TOWN_STREET, "财政所"),
    ("ZX-ICBC", "中国工商银行衡阳蒸湘支行", "工行蒸湘支行", K.BANK, "运营管理部"),
    ("ZX-CCB", "中国建设银行衡阳蒸湘支行", "建行蒸湘支行", K.BANK, "运营管理部"),
    ("ZX-RCB", "湖南衡阳农村商业银行蒸湘支行", "农商行蒸湘支行", K.BANK, "综合部"),
    ("ZX-LIFE", "中国人寿保险股份有限公司衡阳分公司", "人寿衡阳分公司", K.INSURER, "运营部"),
    ("ZX-WATER", "衡阳市水务投资集团有限公司", "衡阳水务", K.WATER, "营销服务部"),
    ("ZX-POWER", "国网湖南省电力有限公司衡阳供电分公司", "衡阳供电公司", K.POWER, "营销部"),
    ("ZX-GAS", "衡阳华润燃气有限公司", "华润燃气", K.GAS, "客户服务部"),
    ("ZX-HEAT", "衡阳市城市供热服务有限公司", "城市供热", K.HEAT, "客户服务部"),
    ("ZX-TEL", "中国电信股份有限公司衡阳分公司", "衡阳电信", K.TELECOM, "政企客户部"),
    ("ZX-AIR", "衡阳南岳机场有限公司", "南岳机场", K.AVIATION, "财务部"),
    ("ZX-RAIL", "中国铁路广州局集团有限公司衡阳车务段", "衡阳车务段", K.RAIL, "财务科"),
    ("ZX-BUS", "衡阳市汽车西站有限公司", "汽车西站", K.ROAD_PASSENGER, "财务部"),
    ("ZX-CTA", "湖南衡信税务师事务所有限公司", "衡信税务师事务所", K.TAX_AGENCY, "业务部"),
    ("ZX-ASSN", "蒸湘区个体劳动者私营企业协会", "区个私协会", K.INDUSTRY_ASSOCIATION, "秘书处"),
]

# (username, full name, unit code, roles, working-group position, liaison primary?)
ACCOUNTS = [
    ("tax_staff", "刘税明", "ZX-TAX", [Role.TAX_STAFF], None, None),
    ("wg_leader", "周建国", "ZX-TAX", [Role.WG_LEADER], WorkingGroupMember.Position.LEADER, None),
    ("wg_member", "陈晓岚", "ZX-FIN", [Role.WG_MEMBER], WorkingGroupMember.Position.MEMBER, None),
    ("liaison_finance", "王丽华", "ZX-FIN", [Role.LIAISON], None, True),
    ("liaison_market", "李志强", "ZX-SAMR", [Role.LIAISON], None, True),
    ("liaison_court", "赵文静", "ZX-COURT", [Role.LIAISON], None, True),
    ("liaison_bank", "孙海涛", "ZX-ICBC", [Role.LIAISON], None, True),
    ("liaison_land", "黄秋云", "ZX-NR", [Role.LIAISON], None, True),
    ("liaison_hrss", "邓佳", "ZX-HRSS", [Role.LIAISON], None, True),
    ("liaison_police", "罗斌", "ZX-POL", [Role.LIAISON], None, True),
    ("liaison_power", "谢宇", "ZX-POWER", [Role.LIAISON], None, True),
    ("liaison_housing", "蒋卫东", "ZX-HOUS", [Role.LIAISON], None, True),
    ("auditor", "审计管理员", None, [Role.AUDITOR], None, None),
    ("security_admin", "安全管理员", None, [Role.SECURITY_ADMIN], None, None),
    ("system_admin", "系统管理员", None, [Role.SYSTEM_ADMIN], None, None),
]

DEMO_LOGINS = [
    ("tax_staff", "税务局工作人员 · 区税务局"),
    ("wg_leader", "专项工作组组长"),
    ("wg_member", "专项工作组成员 · 区财政局"),
    ("liaison_finance", "联络员 · 区财政局"),
    ("liaison_market", "联络员 · 区市场监管局"),
    ("liaison_court", "联络员 · 区人民法院"),
    ("liaison_bank", "联络员 · 工行蒸湘支行"),
    ("auditor", "审计管理员"),
    ("security_admin", "安全管理员"),
    ("system_admin", "系统管理员"),
]


def _phone(i: int) -> str:
    return f"0734-8{i:03d}{(i * 37) % 1000:03d}"


def seed() -> str:
    roles_sync()
    units = {}
    for i, (code, name, short, kind, dept) in enumerate(UNITS, start=1):
        category = (
            Unit.Category.RELATED if kind in RELATED_UNIT_KINDS else Unit.Category.CO_GOVERNANCE
        )
        unit, _c = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": kind,
                "category": category,
                "responsible_department": dept,
                "leader_phone": _phone(i),
                "address": "湖南省衡阳市蒸湘区",
            },
        )
        units[code] = unit
    for i, (username, full_name, unit_code, roles, wg_position, primary) in enumerate(ACCOUNTS):
        unit = units.get(unit_code) if unit_code else None
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "unit": unit,
                "email": f"{username}@zhengxiang.local",
                "phone": f"1390734{i:04d}",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.password_changed_at = timezone.now()
            # Outside demo mode a seeded account must not keep the documented password.
            user.must_change_password = not settings.PORTAL_DEMO_MODE
            user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        if wg_position:
            WorkingGroupMember.objects.update_or_create(
                user=user,
                defaults={"unit": unit, "position": wg_position, "duties": "统筹协调共治工作"},
            )
        if primary is not None and unit is not None:
            Liaison.objects.update_or_create(
                user=user,
                defaults={
                    "unit": unit,
                    "name": full_name,
                    "phone": user.phone,
                    "email": user.email,
                    "position": "联络员",
                    "is_primary": primary,
                },
            )
            assign_perm(ACT_FOR_UNIT, user, unit)
    # The tax bureau's head is the leader for escalations of the bureau itself.
    units["ZX-TAX"].leader_name = "周建国"
    units["ZX-TAX"].leader_user = User.objects.get(username="wg_leader")
    units["ZX-TAX"].save(update_fields=["leader_name", "leader_user"])
    return f"{len(units)} units, {len(ACCOUNTS)} accounts"
