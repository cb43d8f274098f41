"""Courses, annual plans and their assignment rules; completing a course; scoping of the catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.training import selectors, services
from finassure.training.models import Assignment, Employee
from tests.training.factories import assign, make_course, make_employee, make_exam


@pytest.fixture
def trainer(make_user: Any) -> Any:
    return make_user(Role.TRAINER, unit="beijing")


def test_rules_assign_by_unit_position_and_new_hire_and_republishing_adds_only_newcomers(org: Any,
                                                                                          trainer: Any) -> None:
    teller_bj = make_employee(org.beijing, position="柜员")
    teller_hd = make_employee(org.haidian, position="柜员")
    manager_hd = make_employee(org.haidian, position="客户经理", hired=dt.date(2026, 2, 1))
    make_employee(org.shanghai, position="柜员")
    leaver = make_employee(org.haidian, position="柜员")
    services.employee_deactivate(actor=trainer, employee=leaver)
    aml, newcomer = make_course(org.beijing), make_course(org.beijing, category="compliance")
    plan = services.plan_create(actor=trainer, org_unit=org.beijing, year=2026, title="2026年度培训计划")
    services.rule_add(actor=trainer, plan=plan, org_unit=org.beijing, course=aml, position="柜员",
                      due_date=dt.date(2026, 6, 30))
    services.rule_add(actor=trainer, plan=plan, org_unit=org.haidian, course=newcomer, new_hires_only=True,
                      due_date=dt.date(2026, 3, 31))
    assert services.plan_publish(actor=trainer, plan=plan) == 3
    got = {(a.employee_id, a.course_id, a.due_date) for a in Assignment.objects.filter(plan=plan)}
    assert got == {(teller_bj.pk, aml.pk, dt.date(2026, 6, 30)), (teller_hd.pk, aml.pk, dt.date(2026, 6, 30)),
                   (manager_hd.pk, newcomer.pk, dt.date(2026, 3, 31))}
    assert Assignment.objects.get(employee=teller_hd).org_unit == org.haidian
    assert services.plan_publish(actor=trainer, plan=plan) == 0
    make_employee(org.haidian, position="柜员")
    assert services.plan_publish(actor=trainer, plan=plan) == 1
    assert AuditEvent.objects.filter(action="training_plan.publish").count() == 3


def test_a_plan_without_rules_cannot_be_published(org: Any, trainer: Any) -> None:
    plan = services.plan_create(actor=trainer, org_unit=org.beijing, year=2026, title="空计划")
    with pytest.raises(Conflict):
        services.plan_publish(actor=trainer, plan=plan)


@pytest.mark.parametrize("bad", ["both", "neither", "outside", "wrong_year"])
def test_a_rule_must_name_one_training_a_unit_inside_the_plan_and_a_date_in_its_year(org: Any, trainer: Any,
                                                                                      bad: str) -> None:
    plan = services.plan_create(actor=trainer, org_unit=org.beijing, year=2026, title="计划")
    course, exam = make_course(org.beijing), make_exam(org.beijing)
    kwargs: dict[str, Any] = {"org_unit": org.haidian, "course": course, "due_date": dt.date(2026, 5, 1)}
    if bad == "both":
        kwargs["exam"] = exam
    elif bad == "neither":
        kwargs["course"] = None
    elif bad == "outside":
        kwargs["org_unit"] = org.shanghai
    else:
        kwargs["due_date"] = dt.date(2027, 1, 1)
    with pytest.raises(ValidationFailed):
        services.rule_add(actor=trainer, plan=plan, **kwargs)
    assert not plan.rules.exists()


def test_only_managers_of_the_unit_create_plans(org: Any, make_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=make_user(Role.TRAINER, unit="shanghai"), org_unit=org.beijing, year=2026,
                             title="x")
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=make_user(Role.EXECUTIVE, unit="head"), org_unit=org.beijing, year=2026,
                             title="x")


def test_an_employee_completes_their_own_course_once(org: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE, unit="haidian")
    assignment = assign(make_employee(org.haidian, user=user), course=make_course(org.beijing))
    services.assignment_complete(actor=user, assignment=assignment)
    assert assignment.status == Assignment.Status.COMPLETED and assignment.completed_at is not None
    with pytest.raises(Conflict):
        services.assignment_complete(actor=user, assignment=assignment)
    with pytest.raises(PermissionDenied):
        services.assignment_complete(actor=make_user(Role.TRAINER, unit="head"), assignment=assignment)


def test_an_exam_assignment_is_completed_by_passing_not_by_a_click(org: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE, unit="haidian")
    assignment = assign(make_employee(org.haidian, user=user), exam=make_exam(org.beijing))
    with pytest.raises(Conflict):
        services.assignment_complete(actor=user, assignment=assignment)


def test_the_catalogue_shows_courses_of_own_units_and_above_but_records_only_of_own_units(org: Any,
                                                                                          make_user: Any) -> None:
    head_course, bj_course, sh_course = make_course(org.head), make_course(org.beijing), make_course(org.shanghai)
    viewer = make_user(Role.QUALITY_MANAGER, unit="haidian")
    assert set(selectors.course_list(actor=viewer)) == {head_course, bj_course}
    make_employee(org.haidian, number="H1")
    make_employee(org.beijing, number="B1")
    assert [e.employee_no for e in selectors.employee_list(actor=viewer)] == ["H1"]
    assert sh_course not in selectors.course_list(actor=make_user(Role.EMPLOYEE, unit="haidian"))


def test_a_deactivated_employee_keeps_their_history(org: Any, trainer: Any) -> None:
    employee = make_employee(org.haidian)
    done = assign(employee, course=make_course(org.beijing))
    done.status, done.completed_at = Assignment.Status.COMPLETED, dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    done.save()
    open_one = assign(employee, course=make_course(org.beijing))
    services.employee_deactivate(actor=trainer, employee=employee)
    assert Employee.objects.filter(pk=employee.pk, status=Employee.Status.LEFT).exists()
    done.refresh_from_db()
    open_one.refresh_from_db()
    assert (done.status, open_one.status) == (Assignment.Status.COMPLETED, Assignment.Status.CANCELLED)
    with pytest.raises(Conflict):
        services.employee_deactivate(actor=trainer, employee=employee)


def test_a_duplicate_employee_number_is_refused(org: Any, trainer: Any) -> None:
    make_employee(org.beijing, number="E1")
    with pytest.raises(ValidationFailed):
        services.employee_create(actor=trainer, org_unit=org.haidian, employee_no="E1", name="x",
                                 hire_date=dt.date(2020, 1, 1))


def test_scorecards_sum_up_trainings_exams_and_awareness_per_employee(org: Any, make_user: Any) -> None:
    from django.utils import timezone

    from finassure.training.models import Exam
    from tests.training.factories import make_bank, right_answers, wrong_answers

    today = timezone.localdate()
    later, earlier = today + dt.timedelta(days=10), today - dt.timedelta(days=10)
    user = make_user(Role.EMPLOYEE, unit="haidian")
    employee = make_employee(org.haidian, user=user)
    done = assign(employee, course=make_course(org.beijing), due=later)
    services.assignment_complete(actor=user, assignment=done)
    assign(employee, course=make_course(org.beijing), due=earlier)  # overdue
    exam = make_exam(org.beijing)
    assign(employee, exam=exam, due=later)
    first = services.attempt_start(actor=user, exam=exam)
    services.attempt_submit(actor=user, attempt=first, answers=wrong_answers(first))
    second = services.attempt_start(actor=user, exam=exam)
    services.attempt_submit(actor=user, attempt=second, answers=right_answers(second))
    awareness = make_exam(org.beijing, kind=Exam.Kind.AWARENESS, bank=make_bank(org.beijing))
    assign(employee, exam=awareness, due=later)
    sitting = services.attempt_start(actor=user, exam=awareness)
    services.attempt_submit(actor=user, attempt=sitting, answers=right_answers(sitting))
    from finassure.framework import services as framework_services

    for due in (earlier, later):
        framework_services.corrective_action_open(actor=None, source=None, title="整改：补训", owner=user, due=due,
                                                  org_unit=org.haidian)
    (row,) = selectors.scorecards(employees=[employee], start=today - dt.timedelta(days=30),
                                  end=today + dt.timedelta(days=30))
    assert (row.assigned, row.completed, row.overdue) == (4, 3, 1)
    assert (row.actions_open, row.actions_overdue) == (2, 1)
    assert (row.attestations_due, row.attestations_confirmed) == (0, 0)
    assert (row.exams_taken, row.exams_passed, row.best_score, row.awareness_score) == (2, 1, 100.0, 100.0)


def test_reminders_go_once_to_staff_with_trainings_due_soon(org: Any, make_user: Any) -> None:
    from django.utils import timezone

    from finassure.framework.models import Notification

    today = timezone.localdate()
    user = make_user(Role.EMPLOYEE, unit="haidian")
    employee = make_employee(org.haidian, user=user)
    assign(employee, course=make_course(org.beijing), due=today + dt.timedelta(days=3))
    assign(employee, course=make_course(org.beijing), due=today + dt.timedelta(days=30))
    assign(make_employee(org.haidian), course=make_course(org.beijing), due=today + dt.timedelta(days=3))
    assert services.assignments_remind(today=today) == 1
    assert services.assignments_remind(today=today) == 0
    assert Notification.objects.filter(recipient=user, kind="due_soon").count() == 1


def test_overdue_trainings_escalate_once_to_the_units_trainers(org: Any, make_user: Any) -> None:
    from django.utils import timezone

    from finassure.framework.models import Notification

    today = timezone.localdate()
    trainer = make_user(Role.TRAINER, unit="beijing")
    elsewhere = make_user(Role.TRAINER, unit="shanghai")
    for _ in range(2):
        assign(make_employee(org.haidian), course=make_course(org.beijing), due=today - dt.timedelta(days=1))
    assign(make_employee(org.haidian), course=make_course(org.beijing), due=today)
    assert services.assignments_escalate_overdue(today=today) == 2
    assert services.assignments_escalate_overdue(today=today) == 0
    note = Notification.objects.get(recipient=trainer, kind="overdue")
    assert note.title.startswith("2 overdue trainings")
    assert not Notification.objects.filter(recipient=elsewhere).exists()
