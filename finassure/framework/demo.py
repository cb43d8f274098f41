"""Demo data of the assurance framework for 示例银行: the library, owners, plans, funds, and a year of history."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finassure.framework import evaluation, services
from finassure.framework.models import (
    AccountabilityRecord,
    BudgetLine,
    ExternalAssessment,
    Indicator,
    LossEvent,
    Measure,
    Meeting,
    RaciEntry,
    Snapshot,
    TargetOverride,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.platform import demo

OWNERS = {"m1-policy": "quality", "m2-infosec": "secofficer", "m3-service": "cpo", "m4-training": "trainer",
          "m5-consumer-rights": "cpo", "m6-emergency": "risk", "s4-execution": "quality",
          "s5-monitoring": "quality", "s6-resources": "quality"}
LEAD_UNITS = {"m1-policy": "compliance", "m2-infosec": "it", "m3-service": "consumer-protection", "m4-training": "hr",
              "m5-consumer-rights": "consumer-protection", "m6-emergency": "risk", "s4-execution": "compliance",
              "s5-monitoring": "compliance", "s6-resources": "compliance"}
HISTORY_UNITS = ["head-office", "beijing", "beijing-haidian", "shanghai", "shanghai-pudong", "shenzhen",
                 "securities", "insurance", "fund"]
# (measure, unit, title, planned, committed, spent) in yuan, for the current year
BUDGET = [
    ("m2-infosec", "it", "下一代防火墙与入侵检测升级", 1_800_000, 1_500_000, 1_120_000),
    ("m2-infosec", "it", "数据备份与异地灾备建设", 2_400_000, 2_000_000, 900_000),
    ("m4-training", "hr", "全员合规与风险意识培训", 600_000, 480_000, 410_000),
    ("m3-service", "consumer-protection", "智能客服平台二期", 1_200_000, 700_000, 260_000),
    ("m6-emergency", "risk", "应急演练与预案评估", 300_000, 150_000, 90_000),
    ("m1-policy", "compliance", "制度体系梳理咨询", 400_000, 400_000, 380_000),
]
# (measure, unit, title, owner, days from today to the deadline, status)
TASKS = [
    ("m1-policy", "compliance", "完成年度制度梳理与废改立", "quality", -20, "in_progress"),
    ("m2-infosec", "it", "下半年漏洞扫描与整改复测", "secofficer", 25, "todo"),
    ("m3-service", "consumer-protection", "投诉处理流程再造（48小时闭环）", "cpo", -5, "in_progress"),
    ("m4-training", "hr", "编制下一年度培训计划", "trainer", 40, "todo"),
    ("m6-emergency", "risk", "组织年度网络安全应急演练", "risk", 60, "todo"),
    ("s5-monitoring", "compliance", "第四季度保证体系工作会议", "quality", 10, "todo"),
]
# indicators forced red in the last closed period of these units (so the demo has breaches and open actions)
RED = {("complaints-within-48h", "shanghai"), ("major-vulnerabilities-open", "head-office"),
       ("customer-satisfaction", "shanghai-pudong")}
DEMO_NOTE = "演示历史数据（demo history）"


@demo.step(50, "framework")
def seed_framework(ctx: dict[str, Any]) -> None:
    units, users = ctx["units"], ctx["users"]
    services.library_load(actor=None)
    for key, username in OWNERS.items():
        measure = Measure.objects.get(key=key)
        if measure.owner_id is None:
            services.measure_owner_set(actor=None, measure=measure, owner=users[username],
                                       lead_unit=units[LEAD_UNITS[key]])
    year = timezone.localdate().year
    for key, unit, title, planned, committed, spent in BUDGET:
        if not BudgetLine.objects.filter(title=title, year=year).exists():
            services.budget_line_save(actor=users["quality"], measure=Measure.objects.get(key=key),
                                      org_unit=units[unit], year=year, title=title, planned=Decimal(planned),
                                      committed=Decimal(committed), spent=Decimal(spent))
    today = timezone.localdate()
    for key, unit, title, owner, days, status in TASKS:
        if WorkTask.objects.filter(title=title).exists():
            continue
        task = services.work_task_create(actor=users["quality"], measure=Measure.objects.get(key=key),
                                         org_unit=units[unit], title=title, owner=users[owner],
                                         deadline=today + dt.timedelta(days=days))
        if status != "todo":
            services.work_task_progress(actor=users[owner], work_task=task, status=status)
    if not AccountabilityRecord.objects.exists():
        services.accountability_record_create(
            actor=users["quality"], org_unit=units["shanghai"], measure=Measure.objects.get(key="m3-service"),
            subject="上海分行投诉超时未办结", person=users["employee"],
            finding="3笔投诉超过48小时未办结，未按规定升级处理", outcome="通报批评，扣减当季绩效，参加投诉处理专项培训",
            decided_on=today - dt.timedelta(days=40))
    satisfaction = Indicator.objects.get(key="customer-satisfaction")
    if not TargetOverride.objects.filter(indicator=satisfaction).exists():
        services.target_override_set(actor=users["quality"], indicator=satisfaction, target=88, amber=4,
                                     business_line=ctx["business_lines"]["securities"],
                                     reason="证券业务客群不同，按行业调查基准设定")


# (measure, role) per RACI letter; A is the measure's responsible role (from the library)
RACI = {"R": {"m1-policy": "quality_manager", "m2-infosec": "security_officer", "m3-service": "service_agent",
              "m4-training": "trainer", "m5-consumer-rights": "consumer_protection_officer",
              "m6-emergency": "security_officer", "s4-execution": "quality_manager",
              "s5-monitoring": "internal_auditor", "s6-resources": "quality_manager"},
        "C": {"m2-infosec": "risk_manager", "m3-service": "consumer_protection_officer", "m6-emergency": "risk_manager",
              "s5-monitoring": "risk_manager", "s6-resources": "risk_manager", "m1-policy": "internal_auditor"},
        "I": dict.fromkeys(OWNERS, "executive")}
# (kind, measure, unit, days ago, amount, description, reference)
LOSSES = [
    ("fine", "m3-service", "shanghai", 120, 300_000, "投诉处理不及时被监管部门罚款", "沪金罚决字〔示例〕第12号"),
    ("loss", "m2-infosec", "it", 200, 86_500, "核心系统故障导致交易差错的操作损失", ""),
    ("compensation", "m5-consumer-rights", "beijing", 60, 12_000, "个人信息误发事件的客户补偿（投诉流程外）", ""),
    ("fine", "m5-consumer-rights", "beijing", 420, 500_000, "上年度个人信息保护检查罚款", "京金罚决字〔示例〕第7号"),
    ("loss", "m2-infosec", "it", 400, 240_000, "上年度数据中心宕机损失", ""),
]


def _seed_meetings(units: dict[str, Any], users: dict[str, Any], today: dt.date) -> None:
    """A working-group meeting in each quarter of the last year (the 五 obligation), with decisions; an internal review."""
    quality = users["quality"]
    attendees = [users[u] for u in ("quality", "risk", "secofficer", "cpo", "trainer", "auditor")]
    quarter = Period.containing(today, "quarter")
    decisions = [("整改上海分行投诉超时问题，48小时内闭环", "action", "cpo", "m3-service", "shanghai", 30),
                 ("下季度完成全员风险意识测评", "task", "trainer", "m4-training", "hr", 75)]
    for age in range(5):
        period = quarter
        for _ in range(age):
            period = period.previous()
        day = min(period.start + dt.timedelta(days=20), today - dt.timedelta(days=1))
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
        title = f"{period.label()} 金融服务质量安全保证体系专项工作组会议"
        if Meeting.objects.filter(title=title).exists():
            continue
        meeting = services.meeting_schedule(
            actor=quality, kind=Meeting.Kind.WORKING_GROUP, title=title, org_unit=units["head-office"],
            scheduled_for=at, location="总行3号会议室", chair=users["executive"], attendees=attendees,
            measures=Measure.objects.filter(section="measure"),
            agenda="1. 通报本季度各项指标完成情况\n2. 审议逾期整改事项\n3. 部署下季度重点工作")
        services.meeting_record_minutes(
            actor=quality, meeting=meeting, attendees=attendees, held_at=at,
            minutes="会议由黄行长主持。质量合规部通报了本季度指标：客户满意度、投诉处理时效整体达标，"
                    "上海分行投诉处理时效未达标。会议要求相关部门限期整改，并部署了下季度培训与演练工作。")
        if age == 0:
            for text, outcome, owner, measure, unit, days in decisions:
                services.meeting_decision_add(actor=quality, meeting=meeting, text=text, outcome=outcome,
                                              owner=users[owner], due=today + dt.timedelta(days=days),
                                              measure=Measure.objects.get(key=measure), org_unit=units[unit])
    title = "年度保证体系内部评审（下一年度）"
    if not Meeting.objects.filter(title=title).exists():
        services.meeting_schedule(
            actor=quality, kind=Meeting.Kind.INTERNAL_REVIEW, title=title, org_unit=units["head-office"],
            scheduled_for=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=21), dt.time(14))),
            location="总行1号会议室", chair=users["executive"], attendees=attendees,
            agenda="1. 评审保证体系运行有效性\n2. 评审第三方评估整改进展\n3. 确定下一年度指标与预算")


def _seed_assessments(units: dict[str, Any], users: dict[str, Any], today: dt.date) -> None:
    """Two third-party assessments: last year's (completed a year ago) and this year's, with findings; the demo
    assessor account is engaged on this year's (service and consumer protection, the whole institution)."""
    quality, year = users["quality"], today.year
    specs = [
        (f"{year - 2}年度服务质量与消费者权益保护第三方评估", year - 2, min(dt.date(year - 1, 4, 20), today), None, []),
        (f"{year - 1}年度服务质量与消费者权益保护第三方评估", year - 1,
         min(dt.date(year, 3, 20), today - dt.timedelta(days=1)), users["assessor"],
         [("投诉处理时效统计口径不一致", "medium", "shanghai", "m3-service", "cpo"),
          ("个人信息查询授权留痕不完整", "high", "beijing", "m5-consumer-rights", "cpo")]),
    ]
    for title, period_year, completed, assessor, findings in specs:
        if ExternalAssessment.objects.filter(title=title).exists():
            continue
        assessment = services.assessment_create(
            actor=quality, title=title, firm="示例会计师事务所（特殊普通合伙）", org_unit=units["head-office"],
            units=[units["head-office"]],
            measures=Measure.objects.filter(key__in=["m3-service", "m5-consumer-rights"]),
            period_start=dt.date(period_year, 1, 1), period_end=dt.date(period_year + 1, 1, 1), assessor=assessor)
        services.assessment_start(actor=quality, assessment=assessment)
        for finding, severity, unit, measure, owner in findings:
            services.assessment_finding_add(actor=quality, assessment=assessment, title=finding, severity=severity,
                                            org_unit=units[unit], measure=Measure.objects.get(key=measure),
                                            owner=users[owner], due=today + dt.timedelta(days=45),
                                            description=f"评估抽查发现：{finding}。")
        services.assessment_complete(actor=quality, assessment=assessment, completed_on=completed,
                                     conclusions="保证体系总体运行有效，投诉处理与个人信息保护存在改进空间，"
                                                 "已提出整改建议。")


def _seed_costs(units: dict[str, Any], users: dict[str, Any], today: dt.date) -> None:
    for kind, key, unit, days, amount, description, reference in LOSSES:
        if LossEvent.objects.filter(description=description).exists():
            continue
        services.loss_event_record(actor=users["quality"], kind=kind, org_unit=units[unit],
                                   measure=Measure.objects.get(key=key), amount=Decimal(amount),
                                   occurred_on=today - dt.timedelta(days=days), description=description,
                                   reference=reference)
    if RaciEntry.objects.exists():
        return
    for measure in Measure.objects.filter(is_active=True):
        if measure.responsible_role:
            services.raci_entry_add(actor=users["quality"], measure=measure, letter="A",
                                    role=measure.responsible_role, org_unit=units["head-office"])
        for letter in ("R", "C", "I"):
            role = RACI[letter].get(measure.key)
            if role:
                services.raci_entry_add(actor=users["quality"], measure=measure, letter=letter, role=role)


@demo.step(52, "framework-reviews")
def seed_reviews(ctx: dict[str, Any]) -> None:
    """Working-group meetings with decisions, third-party assessments with findings, losses and fines, the RACI."""
    units, users, today = ctx["units"], ctx["users"], timezone.localdate()
    _seed_meetings(units, users, today)
    _seed_assessments(units, users, today)
    _seed_costs(units, users, today)


@demo.step(95, "framework-history")
def seed_history(ctx: dict[str, Any]) -> None:
    """Snapshots for the last year from the modules' records; closed periods with no records get demo values."""
    units = [ctx["units"][code] for code in HISTORY_UNITS]
    by_unit = {u.pk: code for code, u in ctx["units"].items()}
    today = timezone.localdate()
    for indicator in Indicator.objects.filter(is_active=True).select_related("measure"):
        current = Period.containing(today, indicator.period)
        periods = [current]
        while periods[-1].start > today - dt.timedelta(days=365):
            periods.append(periods[-1].previous())
        for period in reversed(periods):
            for snapshot in services.snapshots_compute(indicator=indicator, units=units, period=period):
                if period != current and snapshot.status in (evaluation.NO_DATA, evaluation.NO_SOURCE):
                    _demo_value(snapshot, indicator, by_unit[snapshot.org_unit_id], periods.index(period),
                                last_closed=period == current.previous())
                elif snapshot.status == evaluation.RED:
                    services.breach_action_open(snapshot=snapshot)


def _demo_value(snapshot: Snapshot, indicator: Indicator, unit_code: str, age: int, last_closed: bool) -> None:
    """A plausible value near the target, improving over the year; some forced red in the last closed period."""
    seed = int(hashlib.sha256(f"{indicator.key}/{unit_code}/{age}".encode()).hexdigest()[:8], 16)
    wobble = (seed % 1000) / 1000  # 0..1, stable across runs
    target, direction = snapshot.target, indicator.direction
    if indicator.unit == "flag":
        value = 0.0 if (last_closed and (indicator.key, unit_code) in RED) or wobble < 0.1 else 1.0
    elif (indicator.key, unit_code) in RED and last_closed:
        value = _red_value(indicator, target, snapshot.amber)
    else:
        drift = (age * 0.8 + wobble * 3)  # older periods a little worse
        if direction == "higher":
            high = indicator.maximum if indicator.maximum is not None else target * 1.5
            value = min(high, target + 2 - drift) if indicator.unit != "count" else target
        else:
            value = max(0.0, target - 1 + drift / 3) if indicator.unit != "count" else float(seed % 2 == 0)
    snapshot.value = round(value, 1)
    snapshot.status = evaluation.status_for(snapshot.value, target=target, amber=snapshot.amber, direction=direction)
    snapshot.note = DEMO_NOTE
    snapshot.save(update_fields=["value", "status", "note"])
    if snapshot.status == evaluation.RED and last_closed:
        services.breach_action_open(snapshot=snapshot)


def _red_value(indicator: Indicator, target: float, amber: float) -> float:
    if indicator.direction == "higher":
        return max(indicator.minimum or 0.0, target - amber - 6)
    return target + amber + 2
