"""Training's indicators against hand-computed values, per org unit subtree and period, and the no-data case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.models import OrgUnit
from finassure.framework import registry
from finassure.framework.periods import Period
from finassure.training import indicators, services
from finassure.training.models import Assignment, Attempt, Exam, TrainingPlan
from tests.training.factories import assign, make_course, make_employee, make_exam

YEAR = Period.containing(dt.date(2026, 6, 1), "year")
Q2 = Period.containing(dt.date(2026, 5, 1), "quarter")
AT = dt.datetime(2026, 5, 10, 10, 0, tzinfo=dt.UTC)


def _under(unit: OrgUnit) -> Any:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def _done(assignment: Assignment, when: dt.datetime = AT) -> None:
    assignment.status, assignment.completed_at = Assignment.Status.COMPLETED, when
    assignment.save()


def _finished(employee: Any, exam: Exam, score: str, passed: bool, when: dt.datetime = AT,
              status: str = Attempt.Status.SUBMITTED) -> Attempt:
    number = employee.attempts.filter(exam=exam).count() + 1
    return Attempt.objects.create(exam=exam, employee=employee, org_unit=employee.org_unit, number=number, seed=1,
                                  started_at=when, deadline=when, submitted_at=when, status=status,
                                  score=Decimal(score), passed=passed)


def test_the_names_are_registered_with_the_framework() -> None:
    for name in ("training.coverage", "training.pass_rate", "training.awareness_score_avg",
                 "training.annual_plan_approved"):
        assert registry.get(name) is not None, name


@pytest.mark.django_db
def test_coverage_is_completed_over_assigned_due_in_the_period_per_subtree(org: Any) -> None:
    course = make_course(org.head)
    bj, hd, sh = make_employee(org.beijing), make_employee(org.haidian), make_employee(org.shanghai)
    _done(assign(bj, course=course, due=dt.date(2026, 3, 31)))
    assign(hd, course=course, due=dt.date(2026, 6, 30))
    _done(assign(hd, course=make_course(org.head), due=dt.date(2026, 9, 30)))
    cancelled = assign(hd, course=make_course(org.head), due=dt.date(2026, 9, 30))
    cancelled.status = Assignment.Status.CANCELLED
    cancelled.save()
    _done(assign(sh, course=course, due=dt.date(2026, 5, 1)))
    assign(bj, course=make_course(org.head), due=dt.date(2027, 1, 15))  # next year
    beijing = indicators.coverage(units=_under(org.beijing), period=YEAR)
    assert (beijing.numerator, beijing.denominator) == (2, 3)
    assert beijing.value == pytest.approx(200 / 3)
    assert beijing.records is not None and beijing.records.count() == 3
    whole = indicators.coverage(units=_under(org.head), period=YEAR)
    assert (whole.numerator, whole.denominator, whole.value) == (3, 4, 75.0)
    q2 = indicators.coverage(units=_under(org.head), period=Q2)
    assert (q2.numerator, q2.denominator) == (1, 2)  # due 30 June (open) and 1 May (done)


@pytest.mark.django_db
def test_coverage_counts_only_completions_before_the_period_end(org: Any) -> None:
    late = assign(make_employee(org.beijing), course=make_course(org.head), due=dt.date(2026, 6, 30))
    _done(late, dt.datetime(2026, 7, 2, tzinfo=dt.UTC))
    assert indicators.coverage(units=_under(org.beijing), period=Q2).value == 0.0


@pytest.mark.django_db
def test_pass_rate_counts_people_not_attempts(org: Any) -> None:
    exam = make_exam(org.head)
    a, b, c, d = (make_employee(org.beijing), make_employee(org.haidian), make_employee(org.haidian),
                  make_employee(org.shanghai))
    _finished(a, exam, "60", False)
    _finished(a, exam, "90", True)  # a retake that passed: one examinee, passed
    _finished(b, exam, "40", False)
    _finished(b, exam, "0", False, status=Attempt.Status.EXPIRED)
    _finished(c, exam, "100", True)
    _finished(d, exam, "100", True)
    _finished(c, exam, "100", True, when=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))  # other year
    awareness = make_exam(org.head, kind=Exam.Kind.AWARENESS)
    _finished(b, awareness, "10", False)  # awareness assessments are not exams
    m = indicators.pass_rate(units=_under(org.beijing), period=YEAR)
    assert (m.numerator, m.denominator) == (2, 3)
    assert m.value == pytest.approx(200 / 3)
    assert m.records is not None and {e.pk for e in m.records} == {a.pk, b.pk, c.pk}
    assert indicators.pass_rate(units=_under(org.head), period=YEAR).value == 75.0


@pytest.mark.django_db
def test_in_progress_attempts_do_not_count(org: Any) -> None:
    exam = make_exam(org.head)
    employee = make_employee(org.beijing)
    Attempt.objects.create(exam=exam, employee=employee, org_unit=org.beijing, number=1, seed=1, started_at=AT,
                           deadline=AT, submitted_at=AT, status=Attempt.Status.IN_PROGRESS)
    assert not indicators.pass_rate(units=_under(org.beijing), period=YEAR).has_data


@pytest.mark.django_db
def test_awareness_average_takes_each_persons_latest_score(org: Any) -> None:
    exam = make_exam(org.head, kind=Exam.Kind.AWARENESS)
    a, b = make_employee(org.beijing), make_employee(org.haidian)
    _finished(a, exam, "70", False, when=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    _finished(a, exam, "90", True, when=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    _finished(b, exam, "75.5", False)
    _finished(make_employee(org.shanghai), exam, "10", False)
    m = indicators.awareness_score_avg(units=_under(org.beijing), period=YEAR)
    assert (m.numerator, m.denominator, m.value) == (165.5, 2, 82.75)
    first_half = indicators.awareness_score_avg(units=_under(org.beijing), period=Period.containing(
        dt.date(2026, 1, 1), "half"))
    assert first_half.value == pytest.approx((70 + 75.5) / 2)


@pytest.mark.django_db
def test_no_records_means_no_data_never_zero_or_a_hundred(org: Any) -> None:
    units = _under(org.beijing)
    for compute in (indicators.coverage, indicators.pass_rate, indicators.awareness_score_avg):
        m = compute(units=units, period=YEAR)
        assert m.value is None and not m.has_data


@pytest.mark.django_db
def test_the_annual_plan_obligation_is_met_by_a_published_plan_here_or_above(org: Any) -> None:
    assert indicators.annual_plan_approved(units=_under(org.haidian), period=YEAR).value == 0
    plan = services.plan_create(actor=None, org_unit=org.beijing, year=2026, title="年度培训计划")
    assert indicators.annual_plan_approved(units=_under(org.haidian), period=YEAR).value == 0  # a draft
    TrainingPlan.objects.filter(pk=plan.pk).update(status=TrainingPlan.Status.PUBLISHED)
    assert indicators.annual_plan_approved(units=_under(org.haidian), period=YEAR).value == 1
    assert indicators.annual_plan_approved(units=_under(org.shanghai), period=YEAR).value == 0
    next_year = Period.containing(dt.date(2027, 1, 1), "year")
    assert indicators.annual_plan_approved(units=_under(org.beijing), period=next_year).value == 0


@pytest.mark.django_db
def test_graded_attempts_feed_the_pass_rate_end_to_end(org: Any, make_user: Any) -> None:
    from tests.training.factories import right_answers, wrong_answers

    exam = make_exam(org.head)
    results = []
    for answers in (right_answers, wrong_answers):
        user = make_user("employee", unit="beijing")
        employee = make_employee(org.beijing, user=user)
        assign(employee, exam=exam)
        attempt = services.attempt_start(actor=user, exam=exam)
        results.append(services.attempt_submit(actor=user, attempt=attempt, answers=answers(attempt)))
    period = Period.containing(timezone.localdate(), "year")
    m = indicators.pass_rate(units=_under(org.beijing), period=period)
    assert (m.numerator, m.denominator, m.value) == (1, 2, 50.0)
