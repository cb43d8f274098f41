"""Persona-matrix routes of incidents: list, export, report form, detail, in-page actions, review and exports."""

from __future__ import annotations

from tests.incidents.helpers import make_drill, make_incident, make_plan, make_review
from tests.matrix import LOGIN, Route, perm

VIEW, REPORT, MANAGE = "incidents.view_incident", "incidents.report_incident", "incidents.manage_incident"
MANAGE_PLAN = "incidents.manage_plan"


def _incident(c: object) -> None:
    c.objects["incident"] = make_incident(c.org.haidian)  # type: ignore[attr-defined]


def _review(c: object) -> None:
    c.objects["review"] = make_review(c.org.haidian)  # type: ignore[attr-defined]


def _plan(c: object) -> None:
    c.objects["plan"] = make_plan(c.org.haidian)  # type: ignore[attr-defined]


def _drill(c: object) -> None:
    c.objects["drill"] = make_drill(c.org.haidian)  # type: ignore[attr-defined]


ROUTES = [
    Route("incidents:efficiency", "GET", lambda c: "/incidents/efficiency/", perm(VIEW), LOGIN),
    Route("incidents:plan_list", "GET", lambda c: "/incidents/plans/", perm(VIEW), LOGIN),
    Route("incidents:plan_create", "GET", lambda c: "/incidents/plans/new/", perm(MANAGE_PLAN), LOGIN),
    Route("incidents:plan_detail", "GET", lambda c: f"/incidents/plans/{c.objects['plan'].pk}/",
          perm(VIEW, scoped=True), LOGIN, build=_plan),
    Route("incidents:plan_action", "POST", lambda c: f"/incidents/plans/{c.objects['plan'].pk}/version/",
          perm(MANAGE_PLAN, 302, scoped=True), LOGIN, build=_plan,
          data=lambda c: {"steps": "值班经理: 启动应急小组\n运维: 切换链路", "change_note": "增加链路切换"}),
    Route("incidents:drill_list", "GET", lambda c: "/incidents/drills/", perm(VIEW), LOGIN),
    Route("incidents:drill_create", "GET", lambda c: "/incidents/drills/new/", perm(MANAGE_PLAN), LOGIN),
    Route("incidents:drill_detail", "GET", lambda c: f"/incidents/drills/{c.objects['drill'].pk}/",
          perm(VIEW, scoped=True), LOGIN, build=_drill),
    Route("incidents:drill_action", "POST", lambda c: f"/incidents/drills/{c.objects['drill'].pk}/start/",
          perm(MANAGE_PLAN, 302, scoped=True), LOGIN, build=_drill),
    Route("incidents:list", "GET", lambda c: "/incidents/", perm(VIEW), LOGIN),
    Route("incidents:export", "GET", lambda c: "/incidents/export.xlsx", perm(VIEW), LOGIN),
    Route("incidents:report", "GET", lambda c: "/incidents/report/", perm(REPORT), LOGIN),
    Route("incidents:detail", "GET", lambda c: f"/incidents/{c.objects['incident'].pk}/", perm(VIEW, scoped=True),
          LOGIN, build=_incident),
    Route("incidents:action", "POST", lambda c: f"/incidents/{c.objects['incident'].pk}/note/",
          perm(MANAGE, 302, scoped=True), LOGIN, data=lambda c: {"text": "已通知运维值班"}, build=_incident),
    Route("incidents:review", "GET", lambda c: f"/incidents/{c.objects['review'].incident_id}/review/",
          perm(VIEW, scoped=True), LOGIN, build=_review),
    Route("incidents:review_export", "GET", lambda c: f"/incidents/{c.objects['review'].incident_id}/review/export.pdf",
          perm(VIEW, scoped=True), LOGIN, build=_review),
    Route("incidents:review_action", "POST",
          lambda c: f"/incidents/{c.objects['review'].incident_id}/review/add-action/",
          perm(MANAGE, 302, scoped=True), LOGIN, build=_review,
          data=lambda c: {"title": "整改：补充监控告警", "owner": c.target.pk, "due": "2030-01-31"}),
    # API
    Route("api:list_incident_types", "GET", lambda c: "/api/v1/incident-types", perm(REPORT), 401, api=True),
    Route("api:list_incidents", "GET", lambda c: "/api/v1/incidents", perm(VIEW), 401, api=True),
    Route("api:report_incident", "POST", lambda c: "/api/v1/incidents", perm(REPORT, 201, scoped=True), 401,
          api=True, data=lambda c: {"title": "网点断网", "incident_type": "outage", "org_unit_id": c.org.haidian.pk}),
    Route("api:get_incident", "GET", lambda c: f"/api/v1/incidents/{c.objects['incident'].pk}",
          perm(VIEW, scoped=True), 401, api=True, build=_incident),
    Route("api:incident_timeline", "GET", lambda c: f"/api/v1/incidents/{c.objects['incident'].pk}/timeline",
          perm(VIEW, scoped=True), 401, api=True, build=_incident),
    Route("api:transition_incident", "POST", lambda c: f"/api/v1/incidents/{c.objects['incident'].pk}/transition",
          perm(MANAGE, 200, scoped=True), 401, api=True, build=_incident,
          data=lambda c: {"to_status": "acknowledged"}),
    Route("api:add_incident_note", "POST", lambda c: f"/api/v1/incidents/{c.objects['incident'].pk}/notes",
          perm(MANAGE, 201, scoped=True), 401, api=True, build=_incident, data=lambda c: {"text": "已隔离受影响主机"}),
]

CONFIGURE = "incidents.configure"


def _type_id(c: object) -> int:
    from finassure.incidents.models import IncidentType

    return IncidentType.objects.get(code="outage").pk


def _rule_id(c: object) -> int:
    from finassure.incidents.models import ReportingRule

    return ReportingRule.objects.order_by("pk").first().pk  # type: ignore[union-attr]


ROUTES += [
    Route("incidents:settings", "GET", lambda c: "/incidents/settings/", perm(CONFIGURE), LOGIN),
    Route("incidents:settings_type_create", "GET", lambda c: "/incidents/settings/types/new/", perm(CONFIGURE),
          LOGIN),
    Route("incidents:settings_type_edit", "GET", lambda c: f"/incidents/settings/types/{_type_id(c)}/",
          perm(CONFIGURE), LOGIN),
    Route("incidents:settings_rule_create", "GET", lambda c: "/incidents/settings/rules/new/", perm(CONFIGURE),
          LOGIN),
    Route("incidents:settings_rule_edit", "GET", lambda c: f"/incidents/settings/rules/{_rule_id(c)}/",
          perm(CONFIGURE), LOGIN),
    Route("api:get_incident_settings", "GET", lambda c: "/api/v1/incident-settings", perm(CONFIGURE), 401, api=True),
    Route("api:update_incident_settings", "POST", lambda c: "/api/v1/incident-settings", perm(CONFIGURE), 401,
          api=True, data=lambda c: {"review_due_days": 10}),
    Route("api:create_incident_type", "POST", lambda c: "/api/v1/incident-types", perm(CONFIGURE, 201), 401,
          api=True, data=lambda c: {"code": "atm", "name": "ATM 故障", "on_duty_role": "security_officer",
                                    "ack_hours": 1}),
    Route("api:update_incident_type", "POST", lambda c: f"/api/v1/incident-types/{_type_id(c)}", perm(CONFIGURE),
          401, api=True, data=lambda c: {"ack_hours": 1}),
    Route("api:list_reporting_rules", "GET", lambda c: "/api/v1/reporting-rules", perm(CONFIGURE), 401, api=True),
    Route("api:create_reporting_rule", "POST", lambda c: "/api/v1/reporting-rules", perm(CONFIGURE, 201), 401,
          api=True, data=lambda c: {"grade": "general", "minutes": 720, "basis": "内部制度"}),
    Route("api:update_reporting_rule", "POST", lambda c: f"/api/v1/reporting-rules/{_rule_id(c)}", perm(CONFIGURE),
          401, api=True, data=lambda c: {"minutes": 200}),
]

APPROVE_PLAN = "incidents.approve_plan"


def _version_path(c: object) -> str:
    plan = c.objects["plan"]  # type: ignore[attr-defined]
    return f"/api/v1/emergency-plans/{plan.pk}/versions/{plan.versions.get().pk}/approve"


def _draft_plan(c: object) -> None:
    from finassure.accounts.models import User

    plan = make_plan(c.org.haidian, approved=False)  # type: ignore[attr-defined]
    author = User.objects.create_user(username=f"plan-author-{plan.pk}", org_unit=c.org.haidian)  # type: ignore[attr-defined]
    plan.versions.update(author=author)  # never the persona: nobody approves their own version
    c.objects["plan"] = plan  # type: ignore[attr-defined]


def _drill_step_path(c: object) -> str:
    drill = c.objects["drill"]  # type: ignore[attr-defined]
    return f"/api/v1/drills/{drill.pk}/steps/{drill.steps.first().pk}/done"


def _running_drill(c: object) -> None:
    from django.utils import timezone

    drill = make_drill(c.org.haidian)  # type: ignore[attr-defined]
    drill.state, drill.started_at = "running", timezone.now()
    drill.save()
    c.objects["drill"] = drill  # type: ignore[attr-defined]


def _approved_version(c: object) -> None:
    c.objects["version"] = make_plan(c.org.haidian).versions.get()  # type: ignore[attr-defined]


ROUTES += [
    Route("api:list_emergency_plans", "GET", lambda c: "/api/v1/emergency-plans", perm(VIEW), 401, api=True),
    Route("api:get_emergency_plan", "GET", lambda c: f"/api/v1/emergency-plans/{c.objects['plan'].pk}",
          perm(VIEW, scoped=True), 401, api=True, build=_plan),
    Route("api:create_emergency_plan", "POST", lambda c: "/api/v1/emergency-plans",
          perm(MANAGE_PLAN, 201, scoped=True), 401, api=True,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "title": "断电应急预案", "scenario": "市电中断",
                          "steps": [{"title": "启动发电机"}], "review_due_on": "2030-01-01"}),
    Route("api:create_plan_version", "POST", lambda c: f"/api/v1/emergency-plans/{c.objects['plan'].pk}/versions",
          perm(MANAGE_PLAN, 201, scoped=True), 401, api=True, build=_plan,
          data=lambda c: {"steps": [{"title": "启动应急小组"}], "change_note": "精简"}),
    Route("api:approve_plan_version", "POST", _version_path, perm(APPROVE_PLAN, 200, scoped=True), 401, api=True,
          build=_draft_plan),
    Route("api:list_drills", "GET", lambda c: "/api/v1/drills", perm(VIEW), 401, api=True),
    Route("api:get_drill", "GET", lambda c: f"/api/v1/drills/{c.objects['drill'].pk}", perm(VIEW, scoped=True), 401,
          api=True, build=_drill),
    Route("api:schedule_drill", "POST", lambda c: "/api/v1/drills", perm(MANAGE_PLAN, 201, scoped=True), 401,
          api=True, build=_approved_version,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "plan_version_id": c.objects["version"].pk,
                          "title": "演练", "scheduled_for": "2030-01-01T09:00:00+08:00"}),
    Route("api:start_drill", "POST", lambda c: f"/api/v1/drills/{c.objects['drill'].pk}/start",
          perm(MANAGE_PLAN, 200, scoped=True), 401, api=True, build=_drill),
    Route("api:complete_drill_step", "POST", _drill_step_path, perm(MANAGE_PLAN, 200, scoped=True), 401, api=True,
          build=_running_drill),
    Route("api:complete_drill", "POST", lambda c: f"/api/v1/drills/{c.objects['drill'].pk}/complete",
          perm(MANAGE_PLAN, 200, scoped=True), 401, api=True, build=_running_drill,
          data=lambda c: {"evaluation": "符合预期", "score": 90}),
]
