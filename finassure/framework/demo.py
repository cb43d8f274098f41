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
    Indicator,
    Measure,
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
