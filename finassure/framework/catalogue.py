"""The computation names the framework library expects, and what each must compute (the modules' contract).

A library file may only name a computation listed here or registered by an installed module; anything
else is a typo and the file is refused. docs/framework-contract.md carries the same table.
"""

from __future__ import annotations

COMPUTATIONS: dict[str, str] = {
    # 1 policy system (制度体系)
    "governance.policy_coverage":
        "percent of active business processes covered by at least one policy in force (制度覆盖率)",
    "training.pass_rate":
        "percent of exam attempts in the period that passed (员工培训合格率)",
    "governance.internal_audit_held":
        "1 if an internal audit of the unit (or an ancestor covering it) was completed in the period, else 0",
    "governance.policy_review_held":
        "1 if the periodic policy review was completed in the period, else 0",
    # 2 information security (信息安全)
    "security.vulnerability_scan_held":
        "1 if a vulnerability scan covering the unit's systems was completed in the period, else 0",
    "security.major_vulnerabilities_open":
        "count of critical/high vulnerabilities open at the end of the period (无重大安全漏洞)",
    "incidents.security_incidents_count":
        "count of information-security incidents that occurred in the period (每季度不超过1起)",
    # 3 service process (服务流程)
    "service.customer_satisfaction":
        "percent of satisfaction-survey answers in the period that were satisfied or very satisfied (客户满意度)",
    "service.complaints_handled_within_48h_share":
        "percent of complaints closed in the period whose handling time was ≤ 48 hours (投诉处理时效)",
    "service.complaint_handling_hours_avg":
        "mean handling time in hours of the complaints closed in the period",
    # 4 training (人员培训)
    "training.coverage":
        "percent of active staff who completed the required training in the period (年度培训覆盖率)",
    "training.awareness_score_avg":
        "mean risk-awareness assessment score (0–100) in the period (风险意识评分)",
    "training.annual_plan_approved":
        "1 if the year's training plan was approved, else 0",
    # 5 consumer rights (客户权益保护)
    "service.complaint_handling_satisfaction":
        "percent of complainants satisfied with how their complaint was handled (投诉处理满意率)",
    "incidents.pii_leak_count":
        "count of personal-information leak incidents in the period (信息泄露事件)",
    # 6 emergency response and improvement (应急响应与持续改进)
    "incidents.response_within_2h_share":
        "percent of incidents in the period whose response started within 2 hours of detection (应急响应时间)",
    "incidents.major_handling_efficiency_gain":
        "percent reduction of mean handling time of major incidents against the previous period (处置效率提升)",
    "incidents.emergency_drill_held":
        "1 if an emergency drill was held in the period, else 0",
    # 四 execution, 五 monitoring, 六 resources — computed by the framework itself
    "framework.actions_closed_on_time_share":
        "percent of corrective actions due in the period that were done by their due date",
    "framework.tasks_overdue_count":
        "count of work-plan tasks past their deadline and not done at the end of the period",
    "framework.working_meeting_held":
        "1 if a working-group meeting of the unit (or an ancestor) was held with minutes in the period, else 0",
    "framework.external_assessment_held":
        "1 if a third-party assessment covering the unit was completed in the period, else 0",
    "governance.attestation_completion_share":
        "percent of staff attestations of the policies in force that were confirmed by the period's end (制度学习确认完成率)",
    # 五 monitoring of AML (反洗钱监测), registered by the monitoring module
    "monitoring.alert_backlog":
        "count of alerts raised before the end of the period and not closed by then (预警积压)",
    "monitoring.alerts_reviewed_within_deadline_share":
        "percent of alerts reviewed in the period on or before their review due date",
    "monitoring.lv_reports_filed_on_time_share":
        "percent of large-value transaction reports due in the period that were filed by their due date",
    "monitoring.suspicious_reports_filed":
        "count of suspicious transaction reports approved and filed in the period",
    "framework.budget_execution_share":
        "percent of the special-fund budget planned for the year that has been spent",
}

# Names only older library versions use (assurance v1); accepted so those files still load and upgrade, but
# nobody registers them: an indicator still naming one shows "no data source" until the newer version loads.
RETIRED_COMPUTATIONS: dict[str, str] = {
    "governance.working_meeting_held": "replaced by framework.working_meeting_held (assurance v2)",
    "governance.external_assessment_held": "replaced by framework.external_assessment_held (assurance v2)",
}
