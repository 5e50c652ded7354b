"""Seed the banks' matter types of Art. 8: 税收保全、强制执行 and 待报解账户对账 (editable in the admin).

`collaboration.demo.MATTER_TYPES` lists the same three with the same values (a test holds them equal).
"""

from django.db import migrations

# (code, name, category, default working days, case transfer?, legal basis, order)
BANK_MATTER_TYPES = [
    ("bank-preservation", "税收保全协助", "enforcement", 3, False, "第八条；《税收征收管理法》第三十八条", 110),
    ("bank-enforcement", "税收强制执行协助", "enforcement", 5, False, "第八条；《税收征收管理法》第四十条", 120),
    ("bank-reconciliation", "社会保险费待报解账户对账", "enforcement", 10, False, "第八条（定期对社会保险费待报解账户开展对账核实）", 130),
]


def seed(apps, schema_editor):
    MatterType = apps.get_model("collaboration", "MatterType")
    for code, name, category, days, transfer, basis, order in BANK_MATTER_TYPES:
        MatterType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "default_working_days": days,
                "is_case_transfer": transfer,
                "legal_basis": basis,
                "order": order,
            },
        )


def unseed(apps, schema_editor):
    MatterType = apps.get_model("collaboration", "MatterType")
    MatterType.objects.filter(
        code__in=[m[0] for m in BANK_MATTER_TYPES], requests__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("collaboration", "0004_timeline_reply_contest")]
    operations = [migrations.RunPython(seed, unseed)]
