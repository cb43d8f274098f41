"""Reviews, meetings and third-party assessments (四, 五), the external assessor's scope, cost-benefit (六), RACI."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from finassure.accounts import selectors as access
from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.framework import costs, registry, selectors, services
from finassure.framework.models import (
    AssessmentFinding,
    CorrectiveAction,
    ExternalAssessment,
    LossEvent,
    Meeting,
    MeetingDecision,
    Notification,
    RaciEntry,
    Snapshot,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.framework.factories import make_indicator, make_measure

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 8, 10, 9, 30, tzinfo=dt.UTC)


def _api(client: Any, user: Any) -> Any:
    token = account_services.token_create(actor=user, name="t", read_only=False)[1]

    def call(method: str, path: str, data: Any = None) -> Any:
        return client.generic(method, f"/api/v1/framework{path}", data=json.dumps(data or {}),
                              content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    return call


def _held_meeting(org: Any, manager: Any, unit: Any = None, kind: str = "working_group", at: dt.datetime = AT,
                  attendee: Any = None) -> Meeting:
    meeting = services.meeting_schedule(actor=manager, kind=kind, title="第三季度保证体系工作会议",
                                        org_unit=unit or org.beijing, scheduled_for=at, agenda="1. 指标通报\n2. 整改")
    return services.meeting_record_minutes(actor=manager, meeting=meeting, minutes="通报了指标，布置了整改",
                                           attendees=[attendee or manager], held_at=at)


# --- meetings ---------------------------------------------------------------------------------------


def test_a_decision_becomes_a_task_or_an_action_and_its_owner_is_told_in_app_and_by_mail(
        org: Any, make_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="owner@example.cn")
    measure = make_measure()
    meeting = _held_meeting(org, manager, attendee=owner)
    with django_capture_on_commit_callbacks(execute=True):
        task_decision = services.meeting_decision_add(actor=manager, meeting=meeting, text="修订投诉处理流程",
                                                      outcome="task", owner=owner, due=dt.date(2026, 9, 30),
                                                      measure=measure, org_unit=org.haidian)
        action_decision = services.meeting_decision_add(actor=manager, meeting=meeting, text="整改海淀支行超时投诉",
                                                        outcome="action", owner=owner, due=dt.date(2026, 10, 15))
    task = WorkTask.objects.get(pk=task_decision.work_task_id)
    assert (task.title, task.owner, task.deadline, task.org_unit, task.measure) == (
        "修订投诉处理流程", owner, dt.date(2026, 9, 30), org.haidian, measure)
    action = CorrectiveAction.objects.get(pk=action_decision.corrective_action_id)
    assert action.source == action_decision and action.org_unit == org.beijing and action.owner == owner
    assert Notification.objects.filter(recipient=owner, kind="assigned").count() == 2
    assert len(mail.outbox) == 2 and all(m.to == ["owner@example.cn"] for m in mail.outbox)
    assert AuditEvent.objects.filter(action="meeting_decision.add").count() == 2


def test_decisions_wait_for_the_minutes_and_bad_ones_store_nothing(org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    meeting = services.meeting_schedule(actor=manager, kind="internal_review", title="内部评审", org_unit=org.beijing,
                                        scheduled_for=AT, agenda="评审")
    with pytest.raises(Conflict):
        services.meeting_decision_add(actor=manager, meeting=meeting, text="x", outcome="action", owner=owner,
                                      due=dt.date(2026, 9, 1))
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_record_minutes(actor=manager, meeting=meeting, minutes="  ", attendees=[owner])
    assert "minutes" in exc.value.fields
    meeting = services.meeting_record_minutes(actor=manager, meeting=meeting, minutes="已评审", attendees=[owner])
    with pytest.raises(ValidationFailed) as exc:  # a task needs a measure: nothing half-stored
        services.meeting_decision_add(actor=manager, meeting=meeting, text="补充制度", outcome="task", owner=owner,
                                      due=dt.date(2026, 9, 1))
    assert "measure" in exc.value.fields
    assert not MeetingDecision.objects.exists() and not WorkTask.objects.exists()
    with pytest.raises(PermissionDenied):
        services.meeting_schedule(actor=make_user(Role.QUALITY_MANAGER, unit="shanghai"), kind="working_group",
                                  title="x", org_unit=org.beijing, scheduled_for=AT, agenda="x")


def test_a_working_meeting_with_minutes_of_the_unit_or_an_ancestor_meets_the_obligation(
        org: Any, make_user: Any) -> None:
    head_manager = make_user(Role.QUALITY_MANAGER, unit="head")
    q3 = Period.containing(dt.date(2026, 8, 1), "quarter")
    fn = registry.get("framework.working_meeting_held")
    assert fn is not None
    services.meeting_schedule(actor=head_manager, kind="working_group", title="未召开", org_unit=org.head,
                              scheduled_for=AT, agenda="x")  # scheduled only: does not count
    _held_meeting(org, head_manager, unit=org.beijing, kind="internal_review")  # a review is not a working meeting
    assert fn(units=access.units_under(org.haidian), period=q3).value == 0
    _held_meeting(org, head_manager, unit=org.beijing)
    assert fn(units=access.units_under(org.haidian), period=q3).value == 1  # Beijing's meeting covers Haidian
    assert fn(units=access.units_under(org.shanghai), period=q3).value == 0
    assert fn(units=access.units_under(org.beijing), period=q3.previous()).value == 0


# --- third-party assessments ------------------------------------------------------------------------


def _assessment(org: Any, manager: Any, assessor: Any, measures: list[Any], units: list[Any] | None = None,
                start: dt.date = dt.date(2026, 1, 1), end: dt.date = dt.date(2026, 7, 1)) -> ExternalAssessment:
    return services.assessment_create(actor=manager, title="2026年上半年服务质量第三方评估", firm="某会计师事务所",
                                      org_unit=org.head, units=units or [org.beijing], measures=measures,
                                      period_start=start, period_end=end, assessor=assessor)


def test_findings_open_corrective_actions_and_completion_meets_the_obligation(
        org: Any, make_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="o@example.cn")
    assessor = make_user(Role.EXTERNAL_ASSESSOR, unit="head")
    measure, other = make_measure(), make_measure(key="m-other")
    assessment = _assessment(org, manager, assessor, [measure])
    with django_capture_on_commit_callbacks(execute=True):
        finding = services.assessment_finding_add(actor=manager, assessment=assessment, title="投诉台账要素不全",
                                                  org_unit=org.haidian, owner=owner, due=dt.date(2026, 12, 31),
                                                  severity="high", measure=measure)
    action = CorrectiveAction.objects.get(pk=finding.corrective_action_id)
    assert action.source == finding and action.owner == owner and action.measure == measure
    assert Notification.objects.filter(recipient=owner, kind="assigned").exists() and len(mail.outbox) == 1
    with pytest.raises(ValidationFailed):  # outside the engagement's units
        services.assessment_finding_add(actor=manager, assessment=assessment, title="x", org_unit=org.shanghai,
                                        owner=owner, due=dt.date(2026, 12, 31))
    with pytest.raises(ValidationFailed):  # outside its measures
        services.assessment_finding_add(actor=manager, assessment=assessment, title="x", org_unit=org.haidian,
                                        owner=owner, due=dt.date(2026, 12, 31), measure=other)
    assert AssessmentFinding.objects.count() == 1
    with pytest.raises(ValidationFailed):
        services.assessment_create(actor=manager, title="x", firm="y", org_unit=org.head, units=[org.beijing],
                                   measures=[measure], period_start=dt.date(2026, 7, 1),
                                   period_end=dt.date(2026, 1, 1))
    with pytest.raises(ValidationFailed):  # the assessor account must be an external assessor
        _assessment(org, manager, owner, [measure])
    fn = registry.get("framework.external_assessment_held")
    assert fn is not None
    year = Period.containing(dt.date(2026, 8, 1), "year")
    assert fn(units=access.units_under(org.haidian), period=year).value == 0
    services.assessment_complete(actor=manager, assessment=assessment, conclusions="总体有效，个别问题需整改",
                                 completed_on=dt.date(2026, 8, 1))
    assert fn(units=access.units_under(org.haidian), period=year).value == 1  # Beijing in scope covers Haidian
    assert fn(units=access.units_under(org.head), period=year).value == 1  # a unit inside the subtree
    assert fn(units=access.units_under(org.shanghai), period=year).value == 0
    with pytest.raises(Conflict):
        services.assessment_complete(actor=manager, assessment=assessment, conclusions="again")


def _snap(indicator: Any, unit: Any, start: dt.date, value: float) -> Snapshot:
    period = Period.containing(start, indicator.period)
    return Snapshot.objects.create(indicator=indicator, org_unit=unit, period_kind=period.kind,
                                   period_start=period.start, period_end=period.end, period_label=period.label(),
                                   value=value, target=90, amber=5, status="green", computed_at=timezone.now())


def test_an_external_assessor_sees_only_its_engagements_units_measures_and_period(
        client: Any, org: Any, make_user: Any, login_client: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    assessor = make_user(Role.EXTERNAL_ASSESSOR, unit="head")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    covered, uncovered = make_measure(), make_measure(key="m-other")
    ind = make_indicator(covered)
    other_ind = make_indicator(uncovered, key="ind-other")
    seen = _snap(ind, org.haidian, dt.date(2026, 2, 1), 91)
    late = _snap(ind, org.haidian, dt.date(2026, 8, 1), 70)  # after the engagement's period
    elsewhere = _snap(ind, org.shanghai, dt.date(2026, 2, 1), 88)  # outside its units
    other = _snap(other_ind, org.haidian, dt.date(2026, 2, 1), 50)  # outside its measures
    assert {s.pk for s in selectors.snapshot_list(actor=assessor)} == set()  # no engagement: nothing
    assessment = _assessment(org, manager, assessor, [covered])
    assessor = type(assessor).objects.get(pk=assessor.pk)  # a fresh request
    finding = services.assessment_finding_add(actor=manager, assessment=assessment, title="台账不全",
                                              org_unit=org.haidian, owner=owner, due=dt.date(2026, 12, 31))
    services.corrective_action_open(actor=None, source=None, title="其他整改", owner=owner, due=dt.date(2026, 12, 31),
                                    org_unit=org.haidian, measure=covered)  # raised now, after the period

    api = _api(client, assessor)
    assert {s["id"] for s in api("GET", "/snapshots").json()["items"]} == {seen.pk}
    assert {i["id"] for i in api("GET", "/indicators").json()} == {ind.pk}
    assert {m["id"] for m in api("GET", "/measures").json()} == {covered.pk}
    assert [a["id"] for a in api("GET", "/actions").json()["items"]] == [finding.corrective_action_id]
    for hidden in (late, elsewhere, other):
        assert api("GET", f"/snapshots/{hidden.pk}").status_code == 404
    assert api("GET", f"/assessments/{assessment.pk}").status_code == 200
    assert api("GET", "/meetings").json()["count"] == 0

    web = login_client(assessor)
    page = web.get(f"/?unit={org.haidian.pk}")
    assert page.status_code == 200
    assert web.get(f"/?unit={org.shanghai.pk}").status_code == 404
    assert web.get(f"/framework/indicators/{ind.pk}/?unit={org.haidian.pk}&period=2026Q1").status_code == 200
    assert web.get(f"/framework/indicators/{ind.pk}/?unit={org.haidian.pk}&period=2026Q3").status_code == 404
    assert web.get(f"/framework/indicators/{other_ind.pk}/?unit={org.haidian.pk}").status_code == 404
    report = web.get(f"/framework/reports/quarterly/?period=2026Q3&unit={org.haidian.pk}")
    assert report.status_code == 200 and report.context["report"].rows[0].snapshot is None
    report = web.get(f"/framework/reports/quarterly/?period=2026Q1&unit={org.haidian.pk}")
    assert [r.snapshot for r in report.context["report"].rows] == [seen]
    # staff keep their full view
    assert selectors.snapshot_list(actor=manager).count() == 4


def test_an_assessor_whose_engagement_has_ended_opens_an_indicator_on_its_last_period(
        org: Any, make_user: Any, login_client: Any) -> None:
    from django.utils import timezone

    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    assessor = make_user(Role.EXTERNAL_ASSESSOR, unit="head")
    measure = make_measure()
    quarterly = make_indicator(measure, period="quarter")
    this_year = timezone.localdate().year
    _assessment(org, manager, assessor, [measure], start=dt.date(this_year - 1, 1, 1),
                end=dt.date(this_year - 1, 8, 1))  # ended before Q3 ended: Q2 is its last whole quarter
    page = login_client(assessor).get(f"/framework/indicators/{quarterly.pk}/?unit={org.haidian.pk}")
    assert page.status_code == 200  # was 404: the page opened on today's quarter, outside the engagement
    assert page.context["period"].label() == f"{this_year - 1}Q2"


def test_assessment_and_meeting_lists_keep_a_flat_query_count(client: Any, org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    assessor = make_user(Role.EXTERNAL_ASSESSOR, unit="head")
    measure = make_measure()
    api = _api(client, manager)

    def add(n: int) -> None:
        for _ in range(n):
            _held_meeting(org, manager)
            _assessment(org, manager, assessor, [measure])

    add(2)
    api("GET", "/meetings")  # warm up: the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api("GET", "/meetings").json()["count"] == 2 and api("GET", "/assessments").json()["count"] == 2
    add(6)
    with CaptureQueriesContext(connection) as many:
        assert api("GET", "/meetings").json()["count"] == 8 and api("GET", "/assessments").json()["count"] == 8
    assert len(many) == len(few), "\n".join(q["sql"][:150] for q in many.captured_queries)


# --- cost-benefit ----------------------------------------------------------------------------------


def test_cost_benefit_puts_spend_against_indicator_movement_and_losses(client: Any, org: Any, make_user: Any
                                                                       ) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    measure = make_measure()
    ind = make_indicator(measure)
    services.budget_line_save(actor=manager, measure=measure, org_unit=org.beijing, year=2026, title="投诉系统",
                              planned=Decimal("300000"), spent=Decimal("120000"))
    _snap(ind, org.head, dt.date(2025, 11, 1), 80)  # the last period before the year
    _snap(ind, org.head, dt.date(2026, 2, 1), 85)
    _snap(ind, org.head, dt.date(2026, 8, 1), 92.5)
    services.loss_event_record(actor=manager, kind="fine", org_unit=org.haidian, measure=measure,
                               occurred_on=dt.date(2026, 3, 5), amount=Decimal("50000"), description="监管罚款",
                               reference="京银保监罚〔2026〕3号")
    services.loss_event_record(actor=manager, kind="loss", org_unit=org.haidian, measure=measure,
                               occurred_on=dt.date(2026, 4, 1), amount=Decimal("20000.50"), description="操作损失")
    services.loss_event_record(actor=manager, kind="loss", org_unit=org.haidian, measure=measure,
                               occurred_on=dt.date(2025, 4, 1), amount=Decimal("90000"), description="上年损失")
    calls: list[tuple[int, dt.datetime]] = []

    def paid(*, units: Any, start: dt.datetime, end: dt.datetime) -> costs.CostTotal:
        calls.append((units.order_by("path").first().pk, start))
        return costs.CostTotal(Decimal("7000"), 2)

    costs.cost_source("test.paid", kind="compensation", measure_key=measure.key)(paid)
    try:
        rows = {r.measure.pk: r for r in selectors.cost_benefit(actor=manager, unit=org.head, year=2026)}
    finally:
        costs.unregister("test.paid")
    row = rows[measure.pk]
    assert (row.planned, row.spent) == (Decimal("300000"), Decimal("120000"))
    assert row.losses == {"fine": Decimal("50000"), "loss": Decimal("20000.50"), "compensation": Decimal("7000")}
    assert row.loss_total == Decimal("77000.50")
    assert row.losses_before == Decimal("97000")  # last year's loss and the source's (stubbed) compensation
    assert calls[0][0] == org.head.pk and calls[0][1].year == 2026
    movement = row.movements[0]
    assert (movement.before.value, movement.after.value, movement.change, movement.trend) == (80, 92.5, 12.5, "better")
    with pytest.raises(ValidationFailed):
        services.loss_event_record(actor=manager, kind="fine", org_unit=org.haidian, occurred_on=dt.date(2026, 3, 5),
                                   amount=Decimal("-1"), description="x")
    assert LossEvent.objects.count() == 3
    api = _api(client, manager)
    body = api("GET", f"/cost-benefit?year=2026&org_unit={org.head.pk}").json()
    mine = next(r for r in body if r["measure_id"] == measure.pk)
    assert Decimal(mine["spent"]) == 120000 and Decimal(mine["fines"]) == 50000
    assert mine["movements"][0]["change"] == 12.5 and mine["movements"][0]["trend"] == "better"


def test_compensation_paid_to_complainants_is_read_from_customer_service(org: Any) -> None:
    source = next(s for s in costs.sources() if s.name == "service.compensation_paid")
    start, end = Period.containing(dt.date(2026, 1, 1), "year").bounds()
    assert source.fn(units=access.units_under(org.head), start=start, end=end) == costs.CostTotal(Decimal(0), 0)
    assert source.kind == "compensation" and source.measure_key == "m5-consumer-rights"


def test_the_cost_benefit_page_and_its_workbook(org: Any, make_user: Any, login_client: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    measure = make_measure()
    services.budget_line_save(actor=manager, measure=measure, org_unit=org.beijing, year=2026, title="投诉系统",
                              planned=Decimal("300000"), spent=Decimal("120000"))
    web = login_client(manager)
    assert web.get("/framework/cost-benefit/?year=2026").status_code == 200
    sheet = load_workbook(io.BytesIO(web.get("/framework/cost-benefit/?year=2026&format=xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Measure", "Name", "Planned", "Spent")
    assert any(r[0] == "1" and r[3] == 120000 for r in rows[1:])


# --- RACI -----------------------------------------------------------------------------------------


def test_the_framework_administrator_edits_the_raci_and_it_exports(org: Any, make_user: Any, login_client: Any
                                                                   ) -> None:
    admin = make_user(Role.QUALITY_MANAGER, unit="head")
    measure = make_measure()
    obligation = make_indicator(measure, key="obl", unit="flag")
    services.raci_entry_add(actor=admin, measure=measure, letter="A", role=Role.QUALITY_MANAGER)
    services.raci_entry_add(actor=admin, measure=measure, letter="R", role=Role.CONSUMER_PROTECTION_OFFICER,
                            org_unit=org.beijing)
    services.raci_entry_add(actor=admin, measure=measure, letter="I", role=Role.EXECUTIVE, indicator=obligation)
    with pytest.raises(ValidationFailed):  # one accountable role
        services.raci_entry_add(actor=admin, measure=measure, letter="A", role=Role.RISK_MANAGER)
    with pytest.raises(PermissionDenied):  # a branch's quality manager is not the framework administrator
        services.raci_entry_add(actor=make_user(Role.QUALITY_MANAGER, unit="beijing"), measure=measure, letter="C",
                                role=Role.RISK_MANAGER)
    assert RaciEntry.objects.count() == 3
    web = login_client(admin)
    added = web.post(f"/framework/raci/{measure.pk}/", {"letter": "C", "role": Role.RISK_MANAGER})
    assert added.status_code == 302 and RaciEntry.objects.filter(letter="C").exists()
    sheet = load_workbook(io.BytesIO(web.get("/framework/raci/?format=xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    whole = next(r for r in rows if r[0] == "1 Test measure" and not r[1])
    assert whole[2] == f"Consumer-protection officer @ {org.beijing}" and whole[3] == "Quality and compliance manager"
    assert whole[4] == "Risk manager"
    assert any(r[1] == "Test indicator" and r[5] == "Executive" for r in rows)


# --- forms for budget lines, accountability records, tasks ------------------------------------------


def test_budget_lines_and_accountability_records_are_created_through_their_forms(
        org: Any, make_user: Any, login_client: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    person = make_user(Role.EMPLOYEE, unit="haidian")
    measure = make_measure()
    web = login_client(manager)
    bad = web.post("/framework/budget/new/", {"measure": measure.pk, "org_unit": org.haidian.pk, "year": 2026,
                                              "title": "x", "planned": "-5", "committed": "0", "spent": "0"})
    assert bad.status_code == 400 and not measure.budget_lines.exists()
    ok = web.post("/framework/budget/new/", {"measure": measure.pk, "org_unit": org.haidian.pk, "year": 2026,
                                             "title": "防火墙升级", "planned": "500000", "committed": "0", "spent": "0"})
    assert ok.status_code == 302
    line = measure.budget_lines.get()
    edited = web.post(f"/framework/budget/{line.pk}/edit/", {
        "measure": measure.pk, "org_unit": org.haidian.pk, "year": 2026, "title": "防火墙升级",
        "planned": "500000", "committed": "200000", "spent": "150000"})
    line.refresh_from_db()
    assert edited.status_code == 302 and (line.committed, line.spent) == (Decimal("200000"), Decimal("150000"))
    created = web.post("/framework/accountability/new/", {
        "org_unit": org.haidian.pk, "subject": "投诉超时", "person": person.pk, "finding": "未按时升级",
        "outcome": "通报批评", "decided_on": "2026-10-01"})
    assert created.status_code == 302
    assert selectors.accountability_list(actor=manager).get().person == person


def test_a_task_posted_through_the_api_is_assigned_and_notified(client: Any, org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    measure = make_measure()
    api = _api(client, manager)
    made = api("POST", "/tasks", {"measure_id": measure.pk, "org_unit_id": org.haidian.pk, "title": "编制应急预案",
                                  "owner_id": owner.pk, "deadline": "2026-12-31"})
    assert made.status_code == 201 and made.json()["owner_id"] == owner.pk
    assert Notification.objects.filter(recipient=owner, kind="assigned").exists()
    ghost = api("POST", "/tasks", {"measure_id": measure.pk, "org_unit_id": org.haidian.pk, "title": "x",
                                   "owner_id": 999999, "deadline": "2026-12-31"})
    assert ghost.status_code == 400 and WorkTask.objects.count() == 1


def test_meeting_and_assessment_workbooks_carry_decisions_and_findings(org: Any, make_user: Any,
                                                                        login_client: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    measure = make_measure()
    meeting = _held_meeting(org, manager)
    services.meeting_decision_add(actor=manager, meeting=meeting, text="开展投诉专项检查", outcome="action",
                                  owner=owner, due=dt.date(2026, 12, 1))
    assessment = _assessment(org, manager, None, [measure])
    services.assessment_finding_add(actor=manager, assessment=assessment, title="应急预案未演练", org_unit=org.haidian,
                                    owner=owner, due=dt.date(2026, 12, 1))
    web = login_client(manager)
    rows = list(load_workbook(io.BytesIO(web.get("/framework/meetings/?format=xlsx").content)).active.iter_rows(
        values_only=True))
    assert rows[1][2] == "第三季度保证体系工作会议" and rows[1][7] == "开展投诉专项检查"
    rows = list(load_workbook(io.BytesIO(web.get("/framework/assessments/?format=xlsx").content)).active.iter_rows(
        values_only=True))
    assert rows[1][6] == "应急预案未演练" and rows[1][11] == "open"
    assert web.get(f"/framework/meetings/{meeting.pk}/").status_code == 200
    assert web.get(f"/framework/assessments/{assessment.pk}/").status_code == 200


def test_a_cancelled_meeting_takes_no_minutes_and_the_assessor_is_told_its_scope(
        client: Any, org: Any, make_user: Any, login_client: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    meeting = services.meeting_schedule(actor=manager, kind="internal_review", title="年度内部评审", org_unit=org.head,
                                        scheduled_for=AT, agenda="评审")
    assert _api(client, manager)("POST", f"/meetings/{meeting.pk}/cancel").json()["status"] == "cancelled"
    with pytest.raises(Conflict):
        services.meeting_record_minutes(actor=manager, meeting=meeting, minutes="x", attendees=[manager])
    with pytest.raises(Conflict):
        services.meeting_cancel(actor=manager, meeting=meeting)
    assessor = make_user(Role.EXTERNAL_ASSESSOR, unit="head")
    web = login_client(assessor)
    assert "You have no engagement yet" in web.get("/").content.decode()
    assessment = _assessment(org, manager, assessor, [make_measure()])
    page = web.get("/").content.decode()
    assert assessment.title in page and "You have no engagement yet" not in page
