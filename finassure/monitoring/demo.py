"""Demo of risk monitoring for 示例银行: generated transactions, one scheduled engine run, and work on its alerts.

Leaves behind an imported run, an alert queue spread over the branches, a case disposed as suspicious with a
drafted suspicious report, a filed large-value report (drafted by the AML analyst, approved by the risk
manager), a few alerts closed as false positives, an approved and a pending rule change, and the engine's
shipped model registered as a candidate with a shadow request awaiting approval.
"""

from __future__ import annotations

from typing import Any

from finassure.monitoring import filing, services, triage
from finassure.monitoring.models import Alert, CustomerUnit, LargeValueReport, Run
from finassure.platform import demo

DEMO_ROWS = 2000
BRANCHES = ("beijing-haidian", "beijing", "shanghai-pudong", "shanghai", "shenzhen")


@demo.step(90, "monitoring")
def seed_monitoring(ctx: dict[str, Any]) -> None:
    units, users = ctx["units"], ctx["users"]
    head = units["head-office"]
    if Run.objects.filter(org_unit=head, status=Run.Status.IMPORTED).exists():
        return
    store = services.transaction_store()
    services.demo_store_generate(store=store, rows=DEMO_ROWS, seed=7)
    customers = sorted({r["customer_id"] for r in services.store_transactions(limit=DEMO_ROWS * 2)})
    for i, customer in enumerate(customers):
        CustomerUnit.objects.get_or_create(
            customer_id=customer, defaults={"org_unit": units[BRANCHES[i % 5]]}
        )
    run = services.run_start(actor=None, org_unit=head, trigger=Run.Trigger.SCHEDULED)
    if run.status != Run.Status.IMPORTED:
        raise RuntimeError(f"demo engine run failed: {run.error}")
    _work(users["aml"], users["risk"])
    _governance(head, users["aml"], users["risk"])


def _work(analyst: Any, approver: Any) -> None:
    suspicious = (
        Alert.objects.filter(status=Alert.Status.OPEN, severity="high")
        .exclude(rule_id__startswith="pboc_lv_")
        .order_by("-score", "id")
        .first()
    )
    if suspicious is not None:
        case = triage.case_open_for_alert(actor=analyst, alert=suspicious)
        triage.case_note_add(
            actor=analyst,
            case=case,
            text="调取客户身份资料及近三个月流水，资金分散转入后集中转出，交易对手多为新开账户。",
        )
        case = triage.case_dispose(
            actor=analyst,
            case=case,
            disposition="suspicious",
            reason="交易模式与客户身份、经营状况明显不符，无合理解释。",
        )
        filing.suspicious_report_draft(
            actor=analyst,
            case=case,
            grounds="该客户账户短期内多笔资金分散转入、集中转出，快进快出，"
            "与其申报职业及经营规模不符，疑似为他人转移资金。",
        )
    report = LargeValueReport.objects.filter(alerts__isnull=False).order_by("report_date").first()
    if report is not None:
        filing.report_approve(actor=approver, report=filing.report_submit(actor=analyst, report=report))
    routine = list(
        Alert.objects.filter(status=Alert.Status.OPEN, severity="low")
        .order_by("id")
        .values_list("pk", flat=True)[:3]
    )
    if routine:
        triage.alert_bulk_close(
            actor=analyst, alert_ids=routine, reason="代发工资及日常经营收付，核实为正常交易。"
        )


def _governance(head: Any, analyst: Any, approver: Any) -> None:
    """An approved rule change (applies from the next run), one awaiting approval, the shipped model as candidate."""
    from pathlib import Path

    from finassure.monitoring import rulebook

    approved = rulebook.rule_change_propose(
        actor=analyst,
        org_unit=head,
        rule_id="structuring_cash",
        enabled=True,
        params={"band": 0.85},
        reason="近期拆分交易多在 4.3 万至 4.5 万元之间，下调接近阈值区间下限至 85%，试运行一个月后评估。",
    )
    rulebook.rule_change_approve(actor=approver, change=approved, note="同意试运行，一个月后复盘误报率。")
    rulebook.rule_change_propose(
        actor=analyst,
        org_unit=head,
        rule_id="fan_in",
        enabled=True,
        params={"min_counterparties": 8},
        reason="代收类账户集中转入案件增多，建议将交易对手数下限由 10 调至 8。",
    )
    import finassure.engine

    shipped = Path(finassure.engine.__file__).resolve().parent / "data" / "model"
    model = rulebook.model_register(actor=analyst, org_unit=head, path=shipped)
    rulebook.model_role_request(
        actor=analyst,
        model=model,
        role="shadow",
        reason="以影子模式运行两周，与规则预警对比后再决定是否上线。",
    )
