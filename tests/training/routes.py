"""Persona-matrix routes of training: own trainings and exams, roster, catalogue, plans, banks, exams, scorecards."""

from __future__ import annotations

from typing import Any

from finassure.training import permissions as p
from tests.matrix import LOGIN, Ctx, Route, everyone, perm, visible_with


def _build(ctx: Ctx) -> None:
    """Catalogue and roster records in Haidian: a bank, an exam, a course, a plan with a rule, an employee."""
    import datetime as dt

    from finassure.training import services
    from finassure.training.models import RosterImport
    from tests.training.factories import make_bank, make_course, make_employee, make_exam

    haidian = ctx.org.haidian
    bank = make_bank(haidian)
    course = make_course(haidian)
    plan = services.plan_create(actor=None, org_unit=haidian, year=2026, title="年度培训计划")
    services.rule_add(actor=None, plan=plan, org_unit=haidian, course=course, due_date=dt.date(2026, 12, 31))
    ctx.objects.update(bank=bank, exam=make_exam(haidian, bank=bank), course=course, plan=plan,
                       employee=make_employee(haidian),
                       **{"import": RosterImport.objects.create(org_unit=haidian, filename="hr.csv")})


def _own(ctx: Ctx) -> None:
    """The persona (if any) is on the roster with an assigned course and exam and an open attempt."""
    from finassure.training import services
    from tests.training.factories import assign, make_course, make_employee, make_exam

    if ctx.persona is None:
        return
    unit = ctx.persona.org_unit
    employee = make_employee(unit, user=ctx.persona)
    exam = make_exam(unit)
    ctx.objects.update(own_course=assign(employee, course=make_course(unit)), own_exam=assign(employee, exam=exam),
                       attempt=services.attempt_start(actor=ctx.persona, exam=exam))


def _own_passed(ctx: Ctx) -> None:
    from finassure.training import services
    from tests.training.factories import right_answers

    _own(ctx)
    if ctx.persona is not None:
        attempt = ctx.objects["attempt"]
        ctx.objects["attempt"] = services.attempt_submit(actor=ctx.persona, attempt=attempt,
                                                         answers=right_answers(attempt))


def _mine(name: str) -> Any:
    """The pk of one of the persona's own records (0 for the anonymous visitor, who is sent to sign in)."""
    return lambda c: c.objects[name].pk if name in c.objects else 0


V, M = p.VIEW, p.MANAGE

ROUTES = [
    # own trainings and exams
    Route("training:my", "GET", lambda c: "/training/", everyone(200), LOGIN),
    Route("training:assignment_complete", "POST",
          lambda c: f"/training/my/assignments/{_mine('own_course')(c)}/complete/",
          everyone(302), LOGIN, build=_own),
    Route("training:exam_start", "POST",
          lambda c: f"/training/my/assignments/{_mine('own_exam')(c)}/start-exam/",
          everyone(302), LOGIN, build=_own),
    Route("training:attempt_detail", "GET",
          lambda c: f"/training/attempts/{_mine('attempt')(c)}/",
          everyone(200), LOGIN, build=_own),
    Route("training:attempt_submit", "POST",
          lambda c: f"/training/attempts/{_mine('attempt')(c)}/submit/",
          everyone(302), LOGIN, build=_own),
    Route("training:attempt_certificate", "GET",
          lambda c: f"/training/attempts/{_mine('attempt')(c)}/certificate.pdf",
          everyone(200), LOGIN, build=_own_passed),
    # roster
    Route("training:employee_list", "GET", lambda c: "/training/staff/", perm(V), LOGIN),
    Route("training:employee_create", "GET", lambda c: "/training/staff/new/", perm(M), LOGIN),
    Route("training:employee_detail", "GET", lambda c: f"/training/staff/{c.objects['employee'].pk}/",
          perm(V, scoped=True), LOGIN, build=_build),
    Route("training:employee_deactivate", "POST", lambda c: f"/training/staff/{c.objects['employee'].pk}/deactivate/",
          perm(M, 302, scoped=True), LOGIN, build=_build),
    Route("training:roster_import", "GET", lambda c: "/training/staff/import/", perm(M), LOGIN),
    Route("training:import_detail", "GET", lambda c: f"/training/staff/import/{c.objects['import'].pk}/",
          perm(M, scoped=True), LOGIN, build=_build),
    Route("training:import_rejected", "GET",
          lambda c: f"/training/staff/import/{c.objects['import'].pk}/rejected.xlsx",
          perm(M, scoped=True), LOGIN, build=_build),
    # catalogue and plans
    Route("training:course_list", "GET", lambda c: "/training/courses/", perm(V), LOGIN),
    Route("training:course_create", "GET", lambda c: "/training/courses/new/", perm(M), LOGIN),
    # every employee may open a course assigned to them (test_pages.py); without one, training staff only
    Route("training:course_detail", "GET", lambda c: f"/training/courses/{c.objects['course'].pk}/",
          visible_with(V), LOGIN, build=_build),
    Route("training:plan_list", "GET", lambda c: "/training/plans/", perm(V), LOGIN),
    Route("training:plan_create", "GET", lambda c: "/training/plans/new/", perm(M), LOGIN),
    Route("training:plan_detail", "GET", lambda c: f"/training/plans/{c.objects['plan'].pk}/",
          perm(V, scoped=True), LOGIN, build=_build),
    Route("training:rule_add", "POST", lambda c: f"/training/plans/{c.objects['plan'].pk}/rules/",
          perm(M, 302, scoped=True), LOGIN, build=_build,
          data=lambda c: {"org_unit": c.org.haidian.pk, "course": c.objects["course"].pk, "due_date": "2026-12-31"}),
    Route("training:plan_publish", "POST", lambda c: f"/training/plans/{c.objects['plan'].pk}/publish/",
          perm(M, 302, scoped=True), LOGIN, build=_build),
    Route("training:assignment_list", "GET", lambda c: "/training/assignments/", perm(V), LOGIN),
    # banks and exams
    Route("training:bank_list", "GET", lambda c: "/training/banks/", perm(V), LOGIN),
    Route("training:bank_create", "GET", lambda c: "/training/banks/new/", perm(M), LOGIN),
    Route("training:bank_detail", "GET", lambda c: f"/training/banks/{c.objects['bank'].pk}/",
          perm(V, scoped=True), LOGIN, build=_build),
    Route("training:question_create", "GET", lambda c: f"/training/banks/{c.objects['bank'].pk}/questions/new/",
          perm(M, scoped=True), LOGIN, build=_build),
    Route("training:exam_list", "GET", lambda c: "/training/exams/", perm(V), LOGIN),
    Route("training:exam_create", "GET", lambda c: "/training/exams/new/", perm(M), LOGIN),
    Route("training:exam_detail", "GET", lambda c: f"/training/exams/{c.objects['exam'].pk}/",
          perm(V, scoped=True), LOGIN, build=_build),
    Route("training:scorecard_list", "GET", lambda c: "/training/scorecards/", perm(V), LOGIN),
    # API
    Route("api:list_employees", "GET", lambda c: "/api/v1/training/employees", perm(V), 401, api=True),
    Route("api:create_employee", "POST", lambda c: "/api/v1/training/employees", perm(M, 201, scoped=True), 401,
          api=True, data=lambda c: {"employee_no": f"N{c.target.pk}", "name": "王五", "org_unit_id": c.org.haidian.pk,
                                    "hire_date": "2024-01-02"}),
    Route("api:get_employee", "GET", lambda c: f"/api/v1/training/employees/{c.objects['employee'].pk}",
          perm(V, scoped=True), 401, api=True, build=_build),
    Route("api:list_courses", "GET", lambda c: "/api/v1/training/courses", perm(V), 401, api=True),
    Route("api:list_assignments", "GET", lambda c: "/api/v1/training/assignments", perm(V), 401, api=True),
    Route("api:list_exams", "GET", lambda c: "/api/v1/training/exams", perm(V), 401, api=True),
    Route("api:list_my_assignments", "GET", lambda c: "/api/v1/training/my/assignments", everyone(200), 401,
          api=True),
    Route("api:complete_my_assignment", "POST",
          lambda c: f"/api/v1/training/my/assignments/{_mine('own_course')(c)}"
                    "/complete", everyone(200), 401, api=True, build=_own),
    Route("api:start_attempt", "POST",
          lambda c: f"/api/v1/training/my/assignments/{_mine('own_exam')(c)}"
                    "/attempts", everyone(201), 401, api=True, build=_own),
    Route("api:get_attempt", "GET",
          lambda c: f"/api/v1/training/attempts/{_mine('attempt')(c)}",
          everyone(200), 401, api=True, build=_own),
    Route("api:submit_attempt", "POST",
          lambda c: f"/api/v1/training/attempts/{_mine('attempt')(c)}/submit",
          everyone(200), 401, api=True, build=_own, data=lambda c: {"answers": []}),
]
