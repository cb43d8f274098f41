"""Training benchmark (issue 7): 10,000 employees and 200,000 assignments; time the coverage, pass-rate and
awareness indicators for the whole institution, and an employee's own training page (p50/p95).

Runs in a throw-away test database (created and dropped here):

    .venv/bin/python -m benchmarks.training.bench --employees 10000 --assignments 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m benchmarks.training.bench

Prints a Markdown table. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
os.environ.setdefault("FINASSURE_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def build(employees: int, assignments: int, units: int, rng: random.Random) -> tuple[Any, Any]:
    """An institution of `units` org units, its staff, a year of assignments and one exam and one assessment
    sitting per employee. Returns the head office and a signed-up employee user with 20 assignments."""
    from django.utils import timezone

    from benchmarks.framework.bench import build_org
    from finassure.accounts import services as account_services
    from finassure.accounts.roles import Role
    from finassure.training import services
    from finassure.training.models import Assignment, Attempt, Course, Employee, Exam, Question, QuestionBank

    head, all_units, _ = build_org(units)
    year = timezone.localdate().year
    courses = [Course.objects.create(org_unit=head, code=f"C{i}", title=f"课程{i}", category="aml")
               for i in range(20)]
    bank = QuestionBank.objects.create(org_unit=head, name="题库")
    Question.objects.bulk_create([Question(bank=bank, kind="single", topic=t, text=f"{t}{i}", options=["a", "b"],
                                           correct=[0]) for t in ("aml", "fraud") for i in range(30)])
    exam = services.exam_create(actor=None, org_unit=head, title="考试", bank=bank, quotas={"aml": 10})
    awareness = services.exam_create(actor=None, org_unit=head, title="测评", bank=bank, quotas={"fraud": 10},
                                     kind=Exam.Kind.AWARENESS)
    staff = [Employee(institution_id=head.institution_id, org_unit=all_units[n % len(all_units)],
                      employee_no=f"B{n:07d}", name="员工", position="柜员", hire_date=dt.date(2015, 1, 1))
             for n in range(employees)]
    Employee.objects.bulk_create(staff, batch_size=5000)
    staff = list(Employee.objects.order_by("pk").select_related("org_unit"))
    user, _ = account_services.user_create(actor=None, username="bench-employee", display_name="员工",
                                           org_unit=staff[0].org_unit, password="Bench-Password-9")
    account_services.role_assign(actor=None, user=user, role=Role.EMPLOYEE, org_unit=staff[0].org_unit)
    Employee.objects.filter(pk=staff[0].pk).update(user=user)
    now = timezone.now()
    batch: list[Assignment] = []
    per_employee = max(1, assignments // employees)
    for n in range(assignments):
        employee = staff[n // per_employee % len(staff)]
        course = courses[n % per_employee % len(courses)]
        done = rng.random() < 0.93
        due = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        batch.append(Assignment(employee=employee, org_unit=employee.org_unit, course=course, due_date=due,
                                status="completed" if done else "assigned",
                                completed_at=now - dt.timedelta(days=rng.randint(1, 300)) if done else None))
        if len(batch) >= 10000:
            Assignment.objects.bulk_create(batch)
            batch = []
    Assignment.objects.bulk_create(batch)
    sittings: list[Attempt] = []
    for employee in staff:
        for which in (exam, awareness):
            score = rng.choice([60, 70, 80, 90, 90, 100, 100])
            when = now - dt.timedelta(days=rng.randint(1, 200))
            sittings.append(Attempt(exam=which, employee=employee, org_unit=employee.org_unit, number=1, seed=1,
                                    started_at=when, deadline=when, submitted_at=when, status="submitted",
                                    score=score, passed=score >= 80))
    Attempt.objects.bulk_create(sittings, batch_size=5000)
    return head, user


def time_indicators(head: Any, repeats: int) -> dict[str, float]:
    from django.utils import timezone

    from finassure.accounts.models import OrgUnit
    from finassure.framework.periods import Period
    from finassure.training import indicators

    period = Period.containing(timezone.localdate(), "year")
    units = OrgUnit.objects.filter(path__startswith=head.path)
    result = {}
    for name, compute in (("coverage", indicators.coverage), ("pass_rate", indicators.pass_rate),
                          ("awareness_score_avg", indicators.awareness_score_avg)):
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            measurement = compute(units=units, period=period)
            samples.append(time.perf_counter() - started)
        assert measurement.has_data
        result[name] = max(samples)
    return result


def time_page(user: Any, path: str, repeats: int) -> tuple[float, float]:
    from django.test import Client

    from tests.support import verified_login

    client = Client()
    verified_login(client, user)
    client.get(path)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--assignments", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from finassure.platform import context

        with context.acting(context.RequestContext(channel="cli")):
            started = time.perf_counter()
            head, user = build(args.employees, args.assignments, args.units, random.Random(7))
            generated = time.perf_counter() - started
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            worst = time_indicators(head, 3)
            p50, p95 = time_page(user, "/training/", args.repeats)
        print(f"\n{connection.vendor}: {args.employees:,} employees, {args.assignments:,} assignments, "
              f"{args.units} org units (generated in {generated:.0f} s)\n")
        print("| measure | result |")
        print("|---|---:|")
        for name, seconds in worst.items():
            print(f"| training.{name}, whole institution, slowest of 3 | {seconds:.2f} s |")
        print(f"| employee's training page p50 / p95 ({args.repeats} requests) | {p50:.0f} / {p95:.0f} ms |")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
