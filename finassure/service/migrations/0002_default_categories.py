"""The default complaint taxonomy shipped with the product (institutions add or deactivate their own)."""

from django.db import migrations

DEFAULTS = [
    ("sales-misconduct", "销售误导", "Sales misconduct", 10),
    ("fees", "收费问题", "Fees and charges", 20),
    ("service-attitude", "服务态度", "Service attitude", 30),
    ("claims", "理赔纠纷", "Claims", 40),
    ("data-privacy", "个人信息保护", "Data privacy", 50),
    ("fraud", "欺诈盗刷", "Fraud", 60),
    ("system-failure", "系统故障", "System failure", 70),
    ("debt-collection", "催收行为", "Debt collection", 80),
    ("other", "其他", "Other", 900),
]


def forward(apps, schema_editor):
    Category = apps.get_model("service", "ComplaintCategory")
    for code, name, name_en, order in DEFAULTS:
        Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
