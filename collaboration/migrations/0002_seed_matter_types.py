"""Seed the ten matter types the working group starts with (Art. 6 一–五; editable in the admin)."""

from django.db import migrations

# (code, name, category, default working days, case transfer?, legal basis)
MATTER_TYPES = [
    ("tax-before-cert", "先税后证核验", "enforcement", 3, False, "《蒸湘区税费精诚共治实施办法（试行）》第六条第一项"),
    ("withholding-assist", "代扣代缴协助", "enforcement", 10, False, "第六条第一项；《税收征收管理法》第三十条"),
    ("tax-info-query", "涉税信息查询", "supervision", 5, False, "第六条第二项、第二十二条"),
    ("bank-account-query", "银行账户查询", "enforcement", 5, False, "第八条；《税收征收管理法》第五十四条第六项"),
    ("judicial-auction", "司法拍卖税费协助", "judicial", 10, False, "第六条第三项（人民法院税费征收协作）"),
    ("bankruptcy-claim", "破产清算债权申报", "judicial", 15, False, "第六条第三项；《企业破产法》第四十八条"),
    ("case-transfer", "案件移送", "judicial", 30, True, "第六条第三项（案件移送制度）"),
    ("clue-transfer", "线索移送", "judicial", 10, False, "第六条第三项（线索移送）"),
    ("joint-investigation", "协查取证", "judicial", 15, False, "第六条第三项（协查取证）"),
    ("joint-publicity", "联合宣传", "service", 20, False, "第六条第四项、第十一条"),
]


def seed(apps, schema_editor):
    MatterType = apps.get_model("collaboration", "MatterType")
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


def unseed(apps, schema_editor):
    MatterType = apps.get_model("collaboration", "MatterType")
    MatterType.objects.filter(code__in=[m[0] for m in MATTER_TYPES], requests__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("collaboration", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
