"""Demo organisation: 示例银行 with its securities, insurance and fund lines, branches, departments, one user per role."""

from __future__ import annotations

from typing import Any

from finassure.accounts import services
from finassure.accounts.models import BusinessLine, Institution, OrgUnit, RoleAssignment, User
from finassure.accounts.roles import Role
from finassure.platform import demo

DEMO_PASSWORD = "Demo#2026-finassure"  # noqa: S105 - printed by `finassure demo`; demo users only
INSTITUTION_CODE = "demo-bank"

BUSINESS_LINES = [
    ("banking", "banking", "银行业务", "Banking"),
    ("securities", "securities", "证券业务", "Securities"),
    ("insurance", "insurance", "保险业务", "Insurance"),
    ("fund", "fund", "基金业务", "Fund management"),
]

# (code, parent code, kind, business line, 中文名, English name)
UNITS = [
    ("consumer-protection", "head-office", "department", "banking", "消费者权益保护部", "Consumer Protection Dept."),
    ("it", "head-office", "department", "banking", "信息科技部", "Information Technology Dept."),
    ("compliance", "head-office", "department", "banking", "内控合规部", "Internal Control & Compliance Dept."),
    ("audit", "head-office", "department", "banking", "审计部", "Internal Audit Dept."),
    ("risk", "head-office", "department", "banking", "风险管理部", "Risk Management Dept."),
    ("hr", "head-office", "department", "banking", "人力资源部", "Human Resources Dept."),
    ("beijing", "head-office", "branch", "banking", "北京分行", "Beijing Branch"),
    ("beijing-haidian", "beijing", "sub_branch", "banking", "北京海淀支行", "Beijing Haidian Sub-branch"),
    ("shanghai", "head-office", "branch", "banking", "上海分行", "Shanghai Branch"),
    ("shanghai-pudong", "shanghai", "sub_branch", "banking", "上海浦东支行", "Shanghai Pudong Sub-branch"),
    ("shenzhen", "head-office", "branch", "banking", "深圳分行", "Shenzhen Branch"),
    ("securities", "head-office", "subsidiary", "securities", "示例证券有限责任公司", "Demo Securities Co., Ltd."),
    ("insurance", "head-office", "subsidiary", "insurance", "示例人寿保险股份有限公司", "Demo Life Insurance Co., Ltd."),
    ("fund", "head-office", "subsidiary", "fund", "示例基金管理有限公司", "Demo Fund Management Co., Ltd."),
]

# (username, 姓名, home unit, role, role unit)
USERS = [
    ("sysadmin", "王建国", "it", Role.SYSTEM_ADMIN, "head-office"),
    ("secadmin", "李安全", "it", Role.SECURITY_ADMIN, "head-office"),
    ("auditadmin", "赵审计", "audit", Role.AUDIT_ADMIN, "head-office"),
    ("quality", "陈质量", "compliance", Role.QUALITY_MANAGER, "head-office"),
    ("risk", "刘风控", "risk", Role.RISK_MANAGER, "head-office"),
    ("auditor", "孙明审", "audit", Role.INTERNAL_AUDITOR, "head-office"),
    ("secofficer", "周信安", "it", Role.SECURITY_OFFICER, "head-office"),
    ("agent", "吴小服", "beijing", Role.SERVICE_AGENT, "beijing"),
    ("cpo", "郑维权", "consumer-protection", Role.CONSUMER_PROTECTION_OFFICER, "head-office"),
    ("trainer", "冯培训", "hr", Role.TRAINER, "head-office"),
    ("aml", "欧阳反洗", "compliance", Role.AML_ANALYST, "head-office"),
    ("employee", "杨员工", "shanghai", Role.EMPLOYEE, "shanghai"),
    ("executive", "黄行长", "head-office", Role.EXECUTIVE, "head-office"),
    ("assessor", "林评估", "head-office", Role.EXTERNAL_ASSESSOR, "head-office"),
]


@demo.step(10, "accounts")
def seed_organisation(ctx: dict[str, Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    institution = Institution.objects.filter(code=INSTITUTION_CODE).first()
    if institution is None:
        institution = services.institution_create(
            actor=None, code=INSTITUTION_CODE, name="示例银行股份有限公司", name_en="Demo Bank Co., Ltd.",
            kind=Institution.Kind.GROUP, head_office_name="示例银行总行", head_office_name_en="Demo Bank Head Office",
        )
    lines: dict[str, BusinessLine] = {}
    for code, kind, name, name_en in BUSINESS_LINES:
        existing = BusinessLine.objects.filter(institution=institution, code=code).first()
        lines[code] = existing or services.business_line_create(actor=None, institution=institution, code=code,
                                                            kind=kind, name=name, name_en=name_en)
    units = {"head-office": institution.org_units.get(parent__isnull=True)}
    for code, parent, kind, line_code, name, name_en in UNITS:
        unit = OrgUnit.objects.filter(institution=institution, code=code).first()
        units[code] = unit or services.org_unit_create(actor=None, parent=units[parent], code=code, name=name,
                                                       name_en=name_en, kind=kind, business_line=lines[line_code])
    users = {}
    for username, name, home, role, role_unit in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = services.user_create(actor=None, username=username, display_name=name, org_unit=units[home],
                                           email=f"{username}@demo-bank.example", password=DEMO_PASSWORD, is_demo=True)
        if not RoleAssignment.objects.filter(user=user, role=role).exists():
            until = timezone.now() + dt.timedelta(days=90) if role == Role.EXTERNAL_ASSESSOR else None
            services.role_assign(actor=None, user=user, role=role, org_unit=units[role_unit], valid_until=until)
        users[username] = user
    ctx.update(institution=institution, business_lines=lines, units=units, users=users)
