"""Default incident types and regulatory reporting rules (each configurable afterwards)."""

from django.db import migrations

TYPES = [
    # code, name, name_en, on-duty role, security, pii leak, it
    ("infosec", "信息安全事件", "Information-security incident", "security_officer", True, False, True),
    ("pii-leak", "个人信息泄露", "Personal-data leak", "security_officer", True, True, True),
    ("outage", "服务中断", "Service outage", "security_officer", False, False, True),
    ("fraud", "欺诈事件", "Fraud event", "risk_manager", False, False, False),
    ("major-complaint", "重大投诉", "Major complaint", "consumer_protection_officer", False, False, False),
    ("operational", "操作事件", "Operational incident", "risk_manager", False, False, False),
    ("other", "其他", "Other", "quality_manager", False, False, False),
]

RULES = [
    # grade, institution kind ("" = any), IT only, minutes, minutes for CII operators, basis
    ("extraordinary", "", False, 240, 60, "网络安全事件报告管理办法：较大及以上事件 4 小时（关键信息基础设施 1 小时）"),
    ("major", "", False, 240, 60, "网络安全事件报告管理办法：较大及以上事件 4 小时（关键信息基础设施 1 小时）"),
    ("serious", "", False, 240, 60, "网络安全事件报告管理办法：较大及以上事件 4 小时（关键信息基础设施 1 小时）"),
    ("extraordinary", "bank", True, 30, None, "银行业重要信息系统突发事件：30 分钟内首报（二手来源，待确认）"),
    ("major", "bank", True, 30, None, "银行业重要信息系统突发事件：30 分钟内首报（二手来源，待确认）"),
    ("serious", "bank", True, 30, None, "银行业重要信息系统突发事件：30 分钟内首报（二手来源，待确认）"),
]


def forward(apps, schema_editor):
    IncidentType = apps.get_model("incidents", "IncidentType")
    ReportingRule = apps.get_model("incidents", "ReportingRule")
    for order, (code, name, name_en, role, security, pii, it) in enumerate(TYPES):
        IncidentType.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "on_duty_role": role, "is_security": security, "is_pii_leak": pii,
            "is_it": it, "order": order * 10})
    for grade, kind, it_only, minutes, cii, basis in RULES:
        ReportingRule.objects.get_or_create(grade=grade, institution_kind=kind, it_only=it_only, defaults={
            "minutes": minutes, "minutes_critical_infrastructure": cii, "basis": basis})


def backward(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
