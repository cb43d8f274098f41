"""Emergency plans (versions, approval, checklist offered on incidents) and drills (timed steps, evaluation,
findings as corrective actions, the annual-drill obligation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.accounts.selectors import units_under
from finassure.framework import registry
from finassure.framework import selectors as framework_selectors
from finassure.framework.periods import Period
from finassure.incidents import services
from finassure.incidents.forms import parse_steps
from finassure.incidents.models import Drill, EmergencyPlan, Grade
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.incidents.helpers import incident_type, make_drill, make_plan

pytestmark = pytest.mark.django_db

STEPS = [{"role": "值班经理", "title": "启动应急小组"}, {"role": "运维", "title": "切换至灾备中心"}]


def test_steps_are_read_one_per_line_with_an_optional_role() -> None:
    assert parse_steps("值班经理：启动应急小组\n\n切换至灾备中心\n客服: 发布公告") == [
        {"role": "值班经理", "title": "启动应急小组"}, {"role": "", "title": "切换至灾备中心"},
        {"role": "客服", "title": "发布公告"}]


def test_a_plan_version_is_approved_by_someone_other_than_its_author(org: Any, make_user: Any) -> None:
    author = make_user(Role.RISK_MANAGER, unit="beijing")
    approver = make_user(Role.QUALITY_MANAGER, unit="beijing")
    plan = services.plan_create(actor=author, org_unit=org.beijing, title="数据中心断电应急预案", scenario="主机房断电",
                                steps=STEPS, review_due_on=dt.date(2027, 6, 30),
                                incident_types=[incident_type("outage")])
    version = plan.versions.get()
    with pytest.raises(PermissionDenied):
        services.plan_version_approve(actor=author, version=version)
    services.plan_version_approve(actor=approver, version=version)
    with pytest.raises(Conflict):
        services.plan_version_approve(actor=approver, version=version)
    second = services.plan_version_create(actor=author, plan=plan, steps=[*STEPS, {"title": "恢复后复盘"}],
                                          change_note="增加复盘步骤")
    assert second.number == 2 and second.approved_at is None
    assert AuditEvent.objects.filter(action="plan_version.approve").count() == 1


def test_a_plan_without_steps_is_refused(org: Any, make_user: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.plan_create(actor=make_user(Role.RISK_MANAGER, unit="beijing"), org_unit=org.beijing, title="x",
                             scenario="y", steps=[{"title": " "}], review_due_on=dt.date(2027, 1, 1))
    assert EmergencyPlan.objects.count() == 0


def test_opening_an_incident_of_a_linked_type_offers_the_plans_checklist(org: Any, make_user: Any) -> None:
    make_plan(org.beijing, codes=("outage",), grades=[Grade.MAJOR, Grade.SERIOUS])
    make_plan(org.beijing, codes=("outage",), approved=False)  # not approved: not offered
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    general = services.incident_report(actor=officer, org_unit=org.haidian, incident_type=incident_type("outage"),
                                       title="网银登录缓慢", grade=Grade.GENERAL)
    assert general.plan_steps.count() == 0  # the plan triggers at serious and above
    fraud = services.incident_report(actor=officer, org_unit=org.haidian, incident_type=incident_type("fraud"),
                                     title="电信诈骗", grade=Grade.MAJOR)
    assert fraud.plan_steps.count() == 0
    services.incident_regrade(actor=officer, incident=general, grade=Grade.SERIOUS, reason="影响扩大")
    steps = list(general.plan_steps.order_by("index"))
    assert [s.title for s in steps] == ["启动应急小组", "切换至备用链路", "发布客户公告"]
    done = services.incident_plan_step_complete(actor=officer, incident=general, step=steps[0])
    assert done.completed_at is not None and done.completed_by == officer
    with pytest.raises(Conflict):
        services.incident_plan_step_complete(actor=officer, incident=general, step=steps[0])
    assert general.events.filter(text__contains="启动应急小组").exists()


def test_the_incident_page_completes_a_checklist_step(org: Any, make_user: Any, login_client: Any) -> None:
    make_plan(org.beijing)
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = services.incident_report(actor=officer, org_unit=org.haidian, incident_type=incident_type("outage"),
                                        title="核心系统中断")
    client = login_client(officer)
    assert "启动应急小组" in client.get(f"/incidents/{incident.pk}/").content.decode()
    step = incident.plan_steps.first()
    response = client.post(f"/incidents/{incident.pk}/plan-step/", {"step": step.pk})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.completed_at is not None


def test_a_drill_runs_with_timed_steps_an_evaluation_and_findings(org: Any, make_user: Any) -> None:
    manager = make_user(Role.RISK_MANAGER, unit="beijing")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    version = make_plan(org.beijing).versions.get()
    t0 = timezone.now() - dt.timedelta(hours=2)
    drill = services.drill_schedule(actor=manager, org_unit=org.beijing, plan_version=version,
                                    title="2026 年度网银中断演练", scheduled_for=t0)
    with pytest.raises(Conflict):
        services.drill_step_complete(actor=manager, drill=drill, step=drill.steps.first(), now=t0)
    drill = services.drill_start(actor=manager, drill=drill, now=t0)
    step = drill.steps.get(index=1)
    services.drill_step_complete(actor=manager, drill=drill, step=step, now=t0 + dt.timedelta(minutes=17))
    step.refresh_from_db()
    assert step.minutes_from_start == 17
    with pytest.raises(ValidationFailed):
        services.drill_complete(actor=manager, drill=drill, evaluation=" ", now=t0 + dt.timedelta(minutes=60))
    drill = services.drill_complete(actor=manager, drill=drill, evaluation="切换用时 17 分钟，达标；公告发布偏慢",
                                    score=85, now=t0 + dt.timedelta(minutes=60))
    assert drill.state == Drill.State.COMPLETED
    action = services.drill_finding_open(actor=manager, drill=drill, title="整改：客户公告模板预置", description="",
                                         owner=owner, due=dt.date(2030, 1, 31))
    assert list(framework_selectors.corrective_actions_for(source=drill)) == [action]


def test_a_drill_needs_an_approved_plan_version(org: Any, make_user: Any) -> None:
    version = make_plan(org.beijing, approved=False).versions.get()
    with pytest.raises(ValidationFailed):
        services.drill_schedule(actor=make_user(Role.RISK_MANAGER, unit="beijing"), org_unit=org.beijing,
                                plan_version=version, title="演练", scheduled_for=timezone.now())


def test_the_annual_drill_obligation_is_met_by_a_completed_drill(org: Any) -> None:
    year = Period.containing(timezone.localdate(), "year")

    def held() -> float | None:
        result = registry.measure("incidents.emergency_drill_held", units=units_under(org.haidian), period=year)
        assert result is not None
        return result.value

    drill = make_drill(org.beijing)  # a branch drill covers its sub-branches
    assert held() == 0  # scheduled only
    drill.state, drill.started_at, drill.ended_at = Drill.State.COMPLETED, timezone.now(), timezone.now()
    drill.save()
    assert held() == 1


def test_the_drill_page_starts_and_times_steps(org: Any, make_user: Any, login_client: Any) -> None:
    drill = make_drill(org.haidian)
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    assert client.post(f"/incidents/drills/{drill.pk}/start/").status_code == 302
    step = drill.steps.first()
    assert client.post(f"/incidents/drills/{drill.pk}/step/", {"step": step.pk}).status_code == 302
    refused = client.post(f"/incidents/drills/{drill.pk}/complete/", {"evaluation": ""})
    assert refused.status_code == 400
    assert client.post(f"/incidents/drills/{drill.pk}/complete/", {"evaluation": "达标", "score": "90"}
                       ).status_code == 302
    drill.refresh_from_db()
    assert drill.state == Drill.State.COMPLETED and drill.score == 90
