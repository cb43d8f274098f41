"""Demo training data of 示例银行: staff, a course catalogue, a question bank of a few hundred Chinese questions,
this year's published plan, and realistic completion and scores — a few units fall short of the targets."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from finassure.platform import demo
from finassure.training import services
from finassure.training.demo_questions import drafts
from finassure.training.models import Assignment, Course, Employee, Exam, Question, QuestionBank, TrainingPlan

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "雪梅", "婷婷", "文博", "子涵", "浩然", "欣怡", "宇航", "思远"]
POSITIONS = {
    "branch": ["柜员", "柜员", "客户经理", "理财经理", "大堂经理", "运营主管"],
    "sub_branch": ["柜员", "柜员", "柜员", "客户经理", "大堂经理"],
    "department": ["专员", "专员", "主管", "经理"],
    "subsidiary": ["投资顾问", "业务专员", "合规专员", "客户经理"],
    "head_office": ["专员", "经理"],
}
# unit code -> (share of assignments completed, probability of a right answer)
PERFORMANCE = {"shenzhen": (0.86, 0.78), "shanghai-pudong": (0.93, 0.84), "beijing-haidian": (0.97, 0.9),
               "insurance": (0.95, 0.86)}
DEFAULT_PERFORMANCE = (0.995, 0.95)
COURSES = [
    ("HO-CMP-01", "合规基础与员工行为守则", "compliance", 90),
    ("HO-AML-01", "反洗钱与客户身份识别", "aml", 120),
    ("HO-AML-02", "大额与可疑交易报告实务", "aml", 60),
    ("HO-SEC-01", "信息安全意识与客户信息保护", "infosec", 60),
    ("HO-CP-01", "金融消费者权益保护与适当性管理", "consumer", 90),
    ("HO-OPS-01", "新员工入职：柜面业务操作规范", "operations", 240),
    ("HO-RSK-01", "操作风险识别与RCSA", "risk", 90),
    ("HO-FRD-01", "电信网络诈骗识别与劝阻", "fraud", 45),
    ("HO-CRD-01", "信贷业务风险管理", "credit_risk", 120),
    ("HO-ETH-01", "廉洁从业与利益冲突", "conduct", 45),
]
BANK_NAME = "示例银行员工培训题库"
EXAM_TITLE = "年度合规与反洗钱考试"
AWARENESS_TITLE = "年度员工风险意识测评"


@demo.step(60, "training")
def seed_training(ctx: dict[str, Any]) -> None:
    institution, units, users = ctx["institution"], ctx["units"], ctx["users"]
    head = units["head-office"]
    today = ctx.get("today") or timezone.localdate()  # tests pin the date the demo is seeded "as of"
    year = today.year
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    with transaction.atomic():
        _staff(institution, units, users, rng, today)
        courses = {code: _course(head, code, title, category, minutes)
                   for code, title, category, minutes in COURSES}
        bank = _bank(head)
    plan = TrainingPlan.objects.filter(org_unit=head, year=year).first()
    if plan is not None:
        ctx["training_plan"] = plan
        return
    exam = services.exam_create(actor=None, org_unit=head, title=f"{year}{EXAM_TITLE}", bank=bank,
                                quotas={"aml": 6, "compliance": 5, "consumer": 3, "infosec": 3, "operations": 3},
                                time_limit_minutes=30, pass_mark=80, max_attempts=3)
    awareness = services.exam_create(actor=None, org_unit=head, title=f"{year}{AWARENESS_TITLE}", bank=bank,
                                     kind=Exam.Kind.AWARENESS, time_limit_minutes=30, pass_mark=85, max_attempts=1,
                                     quotas={"fraud": 5, "operational_risk": 5, "credit_risk": 3, "aml": 4,
                                             "infosec": 3})
    plan = services.plan_create(actor=None, org_unit=head, year=year, title=f"{year}年度员工培训计划")
    rules: list[dict[str, Any]] = [
        {"course": courses["HO-CMP-01"], "due_date": dt.date(year, 3, 31)},
        {"course": courses["HO-AML-01"], "due_date": dt.date(year, 6, 30)},
        {"course": courses["HO-SEC-01"], "due_date": dt.date(year, 9, 30)},
        {"course": courses["HO-CP-01"], "position": "客户经理", "due_date": dt.date(year, 10, 31)},
        {"course": courses["HO-CP-01"], "position": "柜员", "due_date": dt.date(year, 10, 31)},
        {"course": courses["HO-FRD-01"], "position": "柜员", "due_date": dt.date(year, 5, 31)},
        {"course": courses["HO-OPS-01"], "new_hires_only": True, "due_date": dt.date(year, 12, 31)},
        {"exam": exam, "due_date": dt.date(year, 11, 30)},
        {"exam": awareness, "due_date": dt.date(year, 11, 30)},
    ]
    for rule in rules:
        services.rule_add(actor=None, plan=plan, org_unit=head, **rule)
    services.plan_publish(actor=None, plan=plan)
    _simulate(plan, rng, today, keep_open={users["employee"].pk} if "employee" in users else set())
    ctx["training_plan"] = plan


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _staff(institution: Any, units: dict[str, Any], users: dict[str, Any], rng: random.Random,
           today: dt.date) -> None:
    year = today.year
    if Employee.objects.filter(institution=institution).exists():
        return
    number = 100000
    rows = []
    for unit in units.values():
        positions = POSITIONS.get(unit.kind, POSITIONS["department"])
        for _ in range(rng.randint(6, 12)):
            number += 1
            hired = dt.date(rng.randint(2008, year), rng.randint(1, 12), rng.randint(1, 28))
            hired = min(hired, today - dt.timedelta(days=30))
            rows.append(Employee(institution=institution, org_unit=unit, employee_no=f"SB{number}",
                                 name=_name(rng), position=rng.choice(positions), hire_date=hired))
    for username, user in users.items():
        number += 1
        rows.append(Employee(institution=institution, org_unit=user.org_unit, user=user, employee_no=f"SB{number}",
                             name=user.display_name, position="柜员" if username == "employee" else "经理",
                             hire_date=dt.date(2018, 7, 1)))
    Employee.objects.bulk_create(rows)
    for leaver in rng.sample([r for r in rows if r.user_id is None], 4):
        Employee.objects.filter(pk=leaver.pk).update(status=Employee.Status.LEFT,
                                                     left_on=dt.date(year, rng.randint(1, 10), 15))


def _course(head: Any, code: str, title: str, category: str, minutes: int) -> Course:
    course = Course.objects.filter(org_unit=head, code=code).first()
    if course is None:
        course = services.course_create(actor=None, org_unit=head, code=code, title=title, category=category,
                                        duration_minutes=minutes, description=f"{title}（总行统一课程）",
                                        material_text=f"{title}\n\n一、学习目标\n二、制度要点\n三、典型案例\n四、课后练习")
    return course


def _bank(head: Any) -> QuestionBank:
    bank = QuestionBank.objects.filter(org_unit=head, name=BANK_NAME).first() or services.bank_create(
        actor=None, org_unit=head, name=BANK_NAME, description="覆盖业务操作、合规、反洗钱、信息安全、消保与各类风险。")
    have = set(bank.questions.values_list("text", flat=True))
    Question.objects.bulk_create([
        Question(bank=bank, topic=d.topic, kind=d.kind, text=d.text, options=d.options, correct=d.correct,
                 difficulty=d.difficulty, explanation=d.explanation) for d in drafts() if d.text not in have])
    return bank


def _simulate(plan: TrainingPlan, rng: random.Random, today: dt.date, keep_open: set[int]) -> None:
    """Complete most trainings before their due date; sit the exams with each unit's skill; retake failures."""
    now = timezone.now()
    if today != timezone.localdate():
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(18, 0)))
    assignments = plan.assignments.select_related("employee", "employee__org_unit", "course", "exam")
    for assignment in assignments.order_by("pk"):
        employee = assignment.employee
        if employee.user_id in keep_open:
            continue
        completion, skill = PERFORMANCE.get(employee.org_unit.code, DEFAULT_PERFORMANCE)
        start = max(dt.date(plan.year, 1, 2), employee.hire_date)
        end = min(assignment.due_date, today)
        if end <= start or rng.random() > completion:
            continue
        day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59))))
        when = min(when, now - dt.timedelta(hours=1))
        if assignment.course_id:
            Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.COMPLETED, completed_at=when)
            continue
        exam = assignment.exam
        assert exam is not None
        def answer(question: Question, skill: float = skill) -> list[int]:
            return _answer(question, skill, rng)

        for attempt_no in range(exam.max_attempts):
            started = when + dt.timedelta(days=7 * attempt_no)
            if started > now - dt.timedelta(hours=1):
                break
            sitting = services.attempt_record(
                actor=None, employee=employee, exam=exam, answer=answer,
                started_at=started, submitted_at=started + dt.timedelta(minutes=rng.randint(12, 28)),
                seed=rng.getrandbits(62))
            if sitting.passed or exam.kind == Exam.Kind.AWARENESS:
                break
            if rng.random() < 0.3:  # some never retake
                break


def _answer(question: Question, skill: float, rng: random.Random) -> list[int]:
    if rng.random() < skill:
        return list(question.correct)
    wrong = [i for i in range(len(question.options)) if i not in question.correct]
    return [rng.choice(wrong)] if wrong else []
