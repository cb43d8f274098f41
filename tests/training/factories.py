"""Training records for tests: employees, a question bank with known answers, exams, plans, assignments."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from finassure.training import services
from finassure.training.models import Assignment, Employee, Exam, Question, QuestionBank

_seq = itertools.count(1)


def make_employee(unit: Any, *, user: Any = None, position: str = "柜员", hired: dt.date | None = None,
                  number: str | None = None, name: str = "李四") -> Employee:
    return services.employee_create(actor=None, org_unit=unit, employee_no=number or f"E{next(_seq):05d}",
                                    name=name, position=position, hire_date=hired or dt.date(2020, 3, 1), user=user)


def make_bank(unit: Any, *, per_topic: int = 4, topics: tuple[str, ...] = ("aml", "compliance")) -> QuestionBank:
    """A bank whose right answer is always option 0 (multiple choice: options 0 and 1)."""
    bank = services.bank_create(actor=None, org_unit=unit, name=f"题库{next(_seq)}")
    kinds = [Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE]
    for topic in topics:
        for i in range(per_topic):
            kind = kinds[i % 3]
            correct = [0, 1] if kind == Question.Kind.MULTIPLE else [0]
            options = [] if kind == Question.Kind.TRUE_FALSE else ["甲", "乙", "丙", "丁"]
            services.question_create(actor=None, bank=bank, kind=kind, topic=topic, text=f"{topic} 第{i}题",
                                     options=options, correct=correct)
    return bank


def make_exam(unit: Any, *, bank: QuestionBank | None = None, kind: str = Exam.Kind.EXAM, pass_mark: int = 80,
              max_attempts: int = 2, quotas: dict[str, int] | None = None, minutes: int = 30) -> Exam:
    bank = bank or make_bank(unit)
    return services.exam_create(actor=None, org_unit=unit, title=f"考试{next(_seq)}", bank=bank,
                                quotas=quotas or {"aml": 3, "compliance": 2}, kind=kind, pass_mark=pass_mark,
                                max_attempts=max_attempts, time_limit_minutes=minutes)


def make_course(unit: Any, *, category: str = "aml") -> Any:
    return services.course_create(actor=None, org_unit=unit, code=f"C{next(_seq)}", title="反洗钱基础", category=category)


def assign(employee: Employee, *, course: Any = None, exam: Exam | None = None, due: dt.date | None = None) -> Assignment:
    return Assignment.objects.create(employee=employee, org_unit=employee.org_unit, course=course, exam=exam,
                                     due_date=due or timezone.localdate() + dt.timedelta(days=30))


def right_answers(attempt: Any) -> dict[int, list[int]]:
    return {item.question_id: list(item.question.correct) for item in attempt.items.select_related("question")}


def wrong_answers(attempt: Any) -> dict[int, list[int]]:
    return {item.question_id: [len(item.question.options) - 1] for item in attempt.items.select_related("question")}
