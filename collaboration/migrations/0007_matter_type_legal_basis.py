"""One legal basis per matter type, as the demo list and the regulation have it (issue 19 #5).

Migration 0002 and `collaboration.demo.MATTER_TYPES` disagreed on 7 of the 10 seeded bases. Six of
0002's were right and more precise than the demo's (the articles of 《税收征收管理法》 and
《企业破产法》 a request rests on, and which part of Art. 6(三) — 人民法院税费征收协作, 线索移送,
协查取证 — it is): the demo list now carries them. The seventh, 先税后证核验, named the regulation
in full where every other basis cites it by article alone (Art. 6(一): 先税后证、先税后检、先税后注销):
it becomes "第六条第一项", unless the working group has edited it since.
"""

from django.db import migrations

OLD = "《蒸湘区税费精诚共治实施办法（试行）》第六条第一项"
NEW = "第六条第一项"


def forward(apps, schema_editor):
    MatterType = apps.get_model("collaboration", "MatterType")
    MatterType.objects.filter(code="tax-before-cert", legal_basis=OLD).update(legal_basis=NEW)


def backward(apps, schema_editor):
    MatterType = apps.get_model("collaboration", "MatterType")
    MatterType.objects.filter(code="tax-before-cert", legal_basis=NEW).update(legal_basis=OLD)


class Migration(migrations.Migration):
    dependencies = [("collaboration", "0006_case_transfer_both_ways")]
    operations = [migrations.RunPython(forward, backward)]
