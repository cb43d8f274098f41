"""Demo governance of 示例银行: the process catalogue, policies with versions (coverage just under 100 % so the
gaps show), positions with one separation-of-duties conflict, attestations, regulation mapping, and four
quarters of internal audit with findings, and new products at each stage of their pre-launch review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finassure.governance import services
from finassure.governance.models import (
    PRODUCT_CHECKLISTS,
    Attestation,
    AuditPlan,
    Control,
    Engagement,
    IncompatibleDuty,
    Policy,
    Position,
    Process,
    Product,
    Regulation,
    Risk,
)
from finassure.platform import demo

# (owner unit, document number, kind, title, process codes by business line, position codes, text, revised?)
POLICIES: list[tuple[str, str, str, str, list[tuple[str, str]], list[str], str, bool]] = [
    ("head-office", "SLYH-JB-001", "charter", "示例银行内部控制基本制度", [("banking", "counter")], [],
     "第一条 为健全内部控制体系，防范经营风险，制定本制度。\n第二条 内部控制遵循全面性、审慎性、有效性和独立性原则。\n"
     "第三条 董事会对内部控制的有效性承担最终责任。", True),
    ("head-office", "SLYH-GL-002", "rules", "信贷业务管理办法", [("banking", "credit")], ["credit-officer", "loan-approver"],
     "第一条 信贷业务实行审贷分离、分级审批。\n第二条 客户经理负责贷前调查，审批岗独立审查。\n第三条 贷后检查每季度至少一次。",
     True),
    ("head-office", "SLYH-GL-003", "rules", "投资业务管理办法", [("banking", "investment")], [],
     "第一条 投资业务须经投资决策委员会审议。\n第二条 投资限额每年核定一次。", False),
    ("head-office", "SLYH-GL-004", "rules", "资金交易风险管理办法", [("banking", "treasury")], [],
     "第一条 资金交易实行前中后台分离。\n第二条 交易员不得兼任清算岗。\n第三条 市场风险限额每日监测。", True),
    ("head-office", "SLYH-CZ-005", "procedure", "柜面业务操作规程", [("banking", "counter")], ["teller", "counter-supervisor"],
     "第一条 大额现金业务实行双人复核。\n第二条 柜员离柜须签退并加锁。\n第三条 重要空白凭证专人保管。", True),
    ("head-office", "SLYH-GL-006", "rules", "理财产品销售管理办法", [("banking", "wealth-sales")], [],
     "第一条 销售理财产品须进行客户风险承受能力评估。\n第二条 实行销售专区录音录像（双录）。", False),
    ("head-office", "SLYH-GL-007", "rules", "银行卡业务管理办法", [("banking", "cards")], [],
     "第一条 银行卡发卡实行亲见亲签。\n第二条 卡片与密码分离寄送。", False),
    ("head-office", "SLYH-GL-008", "rules", "反洗钱和反恐怖融资管理办法",
     [("banking", "aml"), ("securities", "aml"), ("insurance", "aml"), ("fund", "aml")], ["aml-officer"],
     "第一条 依据《金融机构大额交易和可疑交易报告管理办法》制定本办法。\n第二条 大额交易自交易发生之日起5个工作日内报告。\n"
     "第三条 可疑交易不论金额大小，经分析确认后及时报告。", True),
    ("head-office", "SLYH-GL-009", "rules", "消费投诉处理管理办法",
     [("banking", "complaint-handling"), ("securities", "complaint-handling"), ("insurance", "complaint-handling"),
      ("fund", "complaint-handling")], [],
     "第一条 投诉自受理之日起15日内作出处理决定。\n第二条 本行内部目标为48小时内处理完毕。\n第三条 与投诉事项有利害关系的人员应当回避。",
     True),
    ("head-office", "SLYH-GL-010", "rules", "信息科技运维管理办法",
     [("banking", "it-operations"), ("securities", "it-operations"), ("insurance", "it-operations")], [],
     "第一条 生产变更须经变更评审。\n第二条 系统管理员、安全管理员、审计管理员三权分立。\n第三条 重要数据每日备份。", False),
    ("head-office", "SLYH-XZ-011", "implementing", "个人金融信息保护实施细则", [], [],
     "第一条 C3类信息不得明文存储。\n第二条 C2类信息展示时屏蔽。", False),
    ("securities", "SLZQ-GL-001", "rules", "证券经纪业务管理办法", [("securities", "brokerage")], [],
     "第一条 经纪业务实行账户实名制。\n第二条 禁止代客操作。", False),
    ("securities", "SLZQ-GL-002", "rules", "自营投资业务管理办法", [("securities", "proprietary")], [],
     "第一条 自营业务与经纪业务严格分离。\n第二条 自营投资规模不超过净资本的规定比例。", False),
    ("insurance", "SLRS-GL-001", "rules", "承保管理办法", [("insurance", "underwriting")], [],
     "第一条 核保人员独立于销售人员。\n第二条 健康告知须如实记录。", False),
    ("insurance", "SLRS-GL-002", "rules", "保险销售行为管理办法", [("insurance", "insurance-sales")], [],
     "第一条 销售人员须持证上岗。\n第二条 销售过程可回溯。", False),
    ("fund", "SLJJ-GL-001", "rules", "基金销售适当性管理办法", [("fund", "fund-sales")], [],
     "第一条 基金销售须匹配投资者风险等级。\n第二条 高风险产品须二次确认。", False),
    ("fund", "SLJJ-GL-002", "rules", "投资管理制度", [("fund", "portfolio"), ("fund", "fund-trading")], [],
     "第一条 投资决策实行投委会、投资总监、基金经理三级授权。\n第二条 公平交易，禁止利益输送。", True),
]
# Left without a policy on purpose: securities suitability, insurance claims, fund IT operations.

# (unit, code, name, duties, permissions needed, holder usernames)
POSITIONS = [
    ("beijing", "teller", "柜员", "办理现金存取、转账等柜面业务；日终轧账。", "柜面系统经办权限", ["agent"]),
    ("beijing", "counter-supervisor", "柜面主管", "复核大额及特殊业务；授权；检查重要空白凭证。", "柜面系统授权权限", []),
    ("shanghai", "credit-officer", "客户经理（信贷）", "贷前调查、贷后检查、客户关系维护。", "信贷系统录入权限", ["employee"]),
    ("shanghai", "loan-approver", "贷款审批岗", "独立审查贷款申请，在授权范围内审批。", "信贷系统审批权限", ["employee"]),
    ("compliance", "aml-officer", "反洗钱岗", "甄别可疑交易，报送大额和可疑交易报告。", "反洗钱系统分析权限", ["aml"]),
]
INCOMPATIBLE = [("teller", "counter-supervisor", "经办与复核授权不得兼任"),
                ("credit-officer", "loan-approver", "审贷分离：调查与审批不得兼任")]

# regulation code -> [(article, policy code)]
MAPPINGS = {
    "pboc-2016-3": [("第五条", "SLYH-GL-008"), ("第六条", "SLYH-GL-008"), ("第十一条", "SLYH-GL-008")],
    "cbirc-2020-3": [("第十七条", "SLYH-GL-009"), ("第十八条", "SLYH-GL-009"), ("第十九条", "SLYH-GL-009"),
                     ("第二十条", "SLYH-GL-009")],
    "jrt-0171-2020": [("C3", "SLYH-XZ-011"), ("C2", "SLYH-XZ-011")],
    "gbt-22239-2019": [("8.1.4.2", "SLYH-GL-010"), ("8.1.4.9", "SLYH-GL-010")],
}

# (audited unit, title, owner of findings, [(title, severity, condition, recommendation)])
AUDITS = [
    ("beijing", "北京分行柜面业务专项审计", "agent",
     [("大额现金业务双人复核执行不到位", "high", "抽查大额现金业务50笔，6笔无复核人签章。", "落实双人复核，柜面主管每日检查。"),
      ("重要空白凭证登记簿记录不完整", "medium", "3月份凭证领用记录缺少领用人签字。", "完善登记簿，按月核对。")]),
    ("shanghai", "上海分行信贷业务审计", "employee",
     [("审贷分离执行不到位", "critical", "同一员工同时担任客户经理与贷款审批岗。", "调整岗位设置，落实不相容岗位分离。")]),
    ("beijing", "北京分行消费者权益保护审计", "agent",
     [("投诉处理超过48小时", "medium", "抽查投诉40件，5件超过48小时办结。", "优化投诉分派流程，设置超时预警。")]),
    ("shanghai", "上海分行反洗钱审计", "employee",
     [("可疑交易分析记录不完整", "high", "12份可疑交易排除记录缺少分析理由。", "补充分析理由，完善排除标准。")]),
]


def _quarters_back(today: dt.date, count: int) -> list[tuple[int, int, dt.date]]:
    """The current quarter and the ones before it: (year, quarter, first day)."""
    result = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(count):
        result.append((year, quarter, dt.date(year, 3 * quarter - 2, 1)))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return list(reversed(result))


@demo.step(40, "governance")
def seed_governance(ctx: dict[str, Any]) -> None:
    units, users, lines = ctx["units"], ctx["users"], ctx["business_lines"]
    quality, risk, auditor = users["quality"], users["risk"], users["auditor"]
    owner_of_line = {"banking": "head-office", "securities": "securities", "insurance": "insurance", "fund": "fund"}
    for line_code, unit_code in owner_of_line.items():
        services.process_seed_defaults(actor=quality, org_unit=units[unit_code], business_line=lines[line_code])
    positions = {}
    for unit_code, code, name, duties, needed, holders in POSITIONS:
        position = Position.objects.filter(org_unit=units[unit_code], code=code).first()
        positions[code] = position or services.position_create(
            actor=quality, org_unit=units[unit_code], code=code, name=name, duties=duties, permissions_needed=needed,
            holders=[users[h] for h in holders])
    for first, second, reason in INCOMPATIBLE:
        low, high = sorted([positions[first], positions[second]], key=lambda p: p.pk)
        if not IncompatibleDuty.objects.filter(first=low, second=high).exists():
            services.incompatible_duty_create(actor=quality, first=low, second=high, reason=reason)
    today = timezone.localdate()
    for unit_code, code, kind, title, process_refs, position_codes, body, revised in POLICIES:
        if Policy.objects.filter(code=code).exists():
            continue
        processes = [Process.objects.get(business_line=lines[line], code=p) for line, p in process_refs]
        policy = services.policy_create(actor=quality, org_unit=units[unit_code], code=code, title=title, kind=kind,
                                        body=body, processes=processes,
                                        positions=[positions[p] for p in position_codes],
                                        review_due=today + dt.timedelta(days=200))
        _approve_and_publish(policy, quality, risk, today - dt.timedelta(days=400 if revised else 120))
        if revised:
            services.policy_version_create(actor=quality, policy=policy,
                                           body=body + "\n第四条 本制度由内控合规部负责解释，自发布之日起施行。",
                                           change_summary="根据监管要求修订，增加解释与施行条款")
            _approve_and_publish(policy, quality, risk, today - dt.timedelta(days=60))
    _seed_attestations(users)
    for regulation_code, pairs in MAPPINGS.items():
        regulation = Regulation.objects.get(code=regulation_code)
        for number, policy_code in pairs:
            article = regulation.articles.get(number=number)
            if not article.policies.filter(code=policy_code).exists():
                services.article_map(actor=quality, article=article, policy=Policy.objects.get(code=policy_code))
    _seed_audits(units, users, auditor, today)
    _seed_risks(units, users, today)


def _seed_attestations(users: dict[str, Any]) -> None:
    """Assignments dated from when their version took effect; the AML officer and the Beijing teller have read
    theirs a few days later, the Shanghai loan staff have not yet (so attestation completion is about 2 of 3)."""
    for attestation in Attestation.objects.filter(user__in=[users["aml"], users["agent"]],
                                                  confirmed_at__isnull=True):
        services.attestation_confirm(actor=attestation.user, attestation=attestation)
    for attestation in Attestation.objects.select_related("version").filter(version__effective_from__isnull=False):
        assert attestation.version.effective_from is not None
        assigned = timezone.make_aware(dt.datetime.combine(attestation.version.effective_from, dt.time(9)))
        if attestation.created_at.date() != attestation.version.effective_from:  # backdate once, like history
            confirmed = assigned + dt.timedelta(days=3) if attestation.confirmed_at else None
            Attestation.objects.filter(pk=attestation.pk).update(created_at=assigned, confirmed_at=confirmed)


def _approve_and_publish(policy: Policy, author: Any, approver: Any, on: dt.date) -> None:
    version = policy.versions.get(status="draft")
    services.policy_version_submit(actor=author, version=version)
    services.policy_version_review(actor=approver, version=version, accept=True, comment="内容合规，同意提交审批。")
    services.policy_version_approve(actor=approver, version=version)
    services.policy_version_publish(actor=author, version=version, effective_from=on)


def _seed_audits(units: dict[str, Any], users: dict[str, Any], auditor: Any, today: dt.date) -> None:
    for (year, quarter, first_day), (unit_code, title, owner, findings) in zip(
            _quarters_back(today, len(AUDITS)), AUDITS, strict=True):
        if AuditPlan.objects.filter(org_unit=units["head-office"], year=year, quarter=quarter).exists():
            continue
        plan = services.audit_plan_create(actor=auditor, org_unit=units["head-office"], year=year, quarter=quarter,
                                          title=f"{year}年第{quarter}季度内部审计计划")
        starts_on = min(first_day + dt.timedelta(days=10), today)
        engagement: Engagement = services.engagement_create(actor=auditor, plan=plan, org_unit=units[unit_code],
                                                            title=title, lead=auditor, starts_on=starts_on)
        services.engagement_start_fieldwork(actor=auditor, engagement=engagement)
        for finding_title, severity, condition, recommendation in findings:
            services.finding_create(actor=auditor, engagement=engagement, title=finding_title, severity=severity,
                                    condition=condition, recommendation=recommendation, owner=users[owner],
                                    criteria="《柜面业务操作规程》等内部制度", cause="制度执行检查不到位",
                                    due=today + dt.timedelta(days=60))
        services.engagement_report(actor=auditor, engagement=engagement,
                                   reported_on=min(starts_on + dt.timedelta(days=20), today),
                                   conclusion="内部控制总体有效，发现问题已下发整改。")


# (unit, title, category, inherent L×I, residual L×I, owner, control code, KRI (name, unit, warning, limit, values))
RISKS = [
    ("beijing", "柜面大额现金差错风险", "operational", (4, 4), (2, 3), "quality", "dual-check",
     ("柜面差错笔数", "笔/月", "3", "5", ["2", "4", "6"])),
    ("shanghai", "审贷不分离导致的信用风险", "credit", (4, 5), (4, 4), "risk", "loan-segregation",
     ("逾期90天以上贷款占比", "%", "1.5", "2", ["1.2", "1.4", "1.6"])),
    ("compliance", "可疑交易漏报风险", "aml", (3, 5), (2, 4), "aml", "str-review",
     ("可疑交易预警积压件数", "件", "50", "100", ["30", "45", "60"])),
    ("consumer-protection", "投诉处理超时引发声誉风险", "consumer", (4, 3), (2, 2), "cpo", None,
     ("超过48小时未办结投诉数", "件", "5", "10", ["3", "4"])),
    ("it", "核心系统中断风险", "it", (3, 5), (2, 5), "secofficer", None,
     ("核心系统可用率", "%", "99.95", "99.9", ["99.99", "99.97"])),
    ("head-office", "流动性覆盖率不足风险", "liquidity", (2, 5), (1, 5), "risk", None, None),
]
CONTROLS = [
    ("beijing", "dual-check", "大额现金双人复核", "daily", "agent"),
    ("shanghai", "loan-segregation", "贷款调查与审批岗位分离", "continuous", "employee"),
    ("compliance", "str-review", "可疑交易人工复核", "daily", "aml"),
]


def _seed_risks(units: dict[str, Any], users: dict[str, Any], today: dt.date) -> None:
    manager = users["risk"]
    controls = {}
    for unit_code, code, name, frequency, owner in CONTROLS:
        existing = Control.objects.filter(org_unit=units[unit_code], code=code).first()
        controls[code] = existing or services.control_create(actor=manager, org_unit=units[unit_code], code=code,
                                                             name=name, owner=users[owner], frequency=frequency)
    for unit_code, title, category, inherent, residual, owner, control, kri in RISKS:
        if Risk.objects.filter(org_unit=units[unit_code], title=title).exists():
            continue
        risk = services.risk_create(
            actor=manager, org_unit=units[unit_code], title=title, category=category, description="",
            inherent_likelihood=inherent[0], inherent_impact=inherent[1], residual_likelihood=residual[0],
            residual_impact=residual[1], treatment="mitigate", owner=users[owner],
            review_due=today + dt.timedelta(days=180), controls=[controls[control]] if control else [])
        if residual[0] * residual[1] < 16:  # the high credit risk awaits its owner's decision
            services.risk_accept(actor=users[owner], risk=risk, note="已知悉，剩余风险在可接受范围内。")
        if kri is None:
            continue
        name, unit, warning, limit, values = kri
        higher_is_worse = Decimal(limit) >= Decimal(warning)
        indicator = services.kri_create(actor=manager, risk=risk, name=name, unit=unit, warning=Decimal(warning),
                                        limit=Decimal(limit), higher_is_worse=higher_is_worse)
        for months_ago, value in zip(range(len(values), 0, -1), values, strict=True):
            services.kri_record_value(actor=manager, kri=indicator, value=Decimal(value),
                                      measured_on=today - dt.timedelta(days=30 * (months_ago - 1)))


# (unit, code, name, kind, product line, proposer, process refs, policy codes, stage)
PRODUCTS = [
    ("shanghai", "wm-steady-365", "稳健理财365天1号", "new", "wealth_management", "employee",
     [("banking", "wealth-sales")], ["SLYH-GL-006"], "launched"),
    ("beijing", "card-joint-travel", "旅行联名信用卡", "new", "credit_card", "quality", [("banking", "cards")],
     ["SLYH-GL-007"], "review"),
    ("shanghai", "mb-transfer-limit", "手机银行转账限额调整", "change", "payment", "employee",
     [("banking", "counter")], ["SLYH-CZ-005"], "returned"),
]
CHECKLIST_OK = {kind: {key: True for key, _label in items} for kind, items in PRODUCT_CHECKLISTS.items()}


def _approver(ctx: dict[str, Any]) -> Any:
    """A deputy president who decides on products: neither the proposers nor the three reviewers."""
    from finassure.accounts import services as account_services
    from finassure.accounts.demo import DEMO_PASSWORD
    from finassure.accounts.models import RoleAssignment, User
    from finassure.accounts.roles import Role

    user = User.objects.filter(username="deputy").first()
    if user is None:
        user, _password = account_services.user_create(
            actor=None, username="deputy", display_name="马副行长", org_unit=ctx["units"]["head-office"],
            email="deputy@demo-bank.example", password=DEMO_PASSWORD, is_demo=True)
    if not RoleAssignment.objects.filter(user=user, role=Role.QUALITY_MANAGER).exists():
        account_services.role_assign(actor=None, user=user, role=Role.QUALITY_MANAGER,
                                     org_unit=ctx["units"]["head-office"])
    ctx["users"]["deputy"] = user
    return user


@demo.step(41, "governance-products")
def seed_products(ctx: dict[str, Any]) -> None:
    """A launched wealth-management product with conditions and a post-launch review due, a credit card awaiting
    its compliance review, and a material change sent back by the consumer-protection review."""
    units, users, lines = ctx["units"], ctx["users"], ctx["business_lines"]
    deputy = _approver(ctx)
    today = timezone.localdate()
    for unit_code, code, name, kind, line, proposer, process_refs, policy_codes, stage in PRODUCTS:
        if Product.objects.filter(org_unit=units[unit_code], code=code).exists():
            continue
        risks = list(Risk.objects.filter(category__in=["consumer", "operational"])[:1])
        product = services.product_create(
            actor=users[proposer], org_unit=units[unit_code], code=code, name=name, kind=kind, product_line=line,
            description=f"{name}：产品要素、目标客群、销售渠道及风险揭示详见产品说明书。",
            processes=[Process.objects.get(business_line=lines[ln], code=p) for ln, p in process_refs],
            policies=list(Policy.objects.filter(code__in=policy_codes)), risks=risks)
        services.product_submit(actor=users[proposer], product=product)
        if stage == "returned":
            services.product_review_record(
                actor=users["cpo"], product=product, kind="consumer",
                checklist={**CHECKLIST_OK["consumer"], "disclosure": False}, result="fail",
                comment="限额调整须提前30日公告并在手机银行显著位置提示。")
            continue
        services.product_review_record(actor=users["risk"], product=product, kind="risk",
                                       checklist=CHECKLIST_OK["risk"], result="pass", comment="风险可控。")
        services.product_review_record(actor=users["cpo"], product=product, kind="consumer",
                                       checklist=CHECKLIST_OK["consumer"], result="pass",
                                       comment="已核对产品说明书、风险揭示书及宣传折页。")
        if stage == "review":
            continue
        services.product_review_record(actor=users["quality"], product=product, kind="compliance",
                                       checklist=CHECKLIST_OK["compliance"], result="pass", comment="符合监管要求。")
        services.product_decide(
            actor=deputy, product=product, approve=True, note="三项审查均通过，附条件同意上线。",
            post_launch_review_due=today + dt.timedelta(days=20),
            conditions=[services.Condition("上线前完成理财销售人员适当性培训", users["employee"],
                                           today + dt.timedelta(days=15)),
                        services.Condition("宣传材料加注“理财非存款、产品有风险、投资须谨慎”", users["cpo"],
                                           today + dt.timedelta(days=10))])
        services.product_launch(actor=users[proposer], product=product, launched_on=today)
