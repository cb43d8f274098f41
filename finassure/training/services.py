"""Writes of training. Each checks permission, changes state and writes the audit record in one transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.platform import audit
from finassure.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from finassure.platform.language import lazy_text
from finassure.training import grading, roster
from finassure.training import permissions as p
from finassure.training.models import (
    Assignment,
    AssignmentRule,
    Attempt,
    AttemptQuestion,
    Course,
    Employee,
    Exam,
    Question,
    QuestionBank,
    RosterImport,
    Topic,
    TrainingPlan,
)

GRACE = dt.timedelta(seconds=30)  # network latency allowance on the time limit


def _require(actor: Any, perm: str, unit: OrgUnit) -> None:
    """Permission check; `actor=None` is the system itself (set-up, demo data, scheduled jobs)."""
    if actor is not None:
        access.require(actor, perm, unit)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# --- roster -------------------------------------------------------------------------------------


@transaction.atomic
def employee_create(*, actor: Any, org_unit: OrgUnit, employee_no: str, name: str, hire_date: dt.date,
                    position: str = "", user: User | None = None) -> Employee:
    _require(actor, p.MANAGE, org_unit)
    employee_no, name = employee_no.strip(), name.strip()
    if not employee_no:
        raise _invalid("employee_no", _("The employee number is required."))
    if not name:
        raise _invalid("name", _("The name is required."))
    if Employee.objects.filter(institution_id=org_unit.institution_id, employee_no=employee_no).exists():
        raise _invalid("employee_no", _("This employee number is already on the roster."))
    if user is not None and Employee.objects.filter(user=user).exists():
        raise _invalid("user", _("This user account is already linked to another employee."))
    employee = Employee.objects.create(institution_id=org_unit.institution_id, org_unit=org_unit,
                                       employee_no=employee_no, name=name, position=position.strip(),
                                       hire_date=hire_date, user=user)
    audit.record(action="employee.create", actor=actor, obj=employee, changes=audit.snapshot(employee))
    return employee


@transaction.atomic
def employee_deactivate(*, actor: Any, employee: Employee, left_on: dt.date | None = None) -> Employee:
    """A leaver: status `left`, open assignments cancelled. The record and its history stay."""
    _require(actor, p.MANAGE, employee.org_unit)
    if employee.status == Employee.Status.LEFT:
        raise Conflict(_("This employee has already left."))
    before = audit.snapshot(employee)
    _mark_left(employee, left_on or timezone.localdate())
    audit.record(action="employee.deactivate", actor=actor, obj=employee,
                 changes=audit.diff(before, audit.snapshot(employee)))
    return employee


def _mark_left(employee: Employee, day: dt.date) -> None:
    employee.status, employee.left_on = Employee.Status.LEFT, day
    employee.save(update_fields=["status", "left_on", "updated_at"])
    employee.assignments.filter(status=Assignment.Status.ASSIGNED).update(status=Assignment.Status.CANCELLED,
                                                                          updated_at=timezone.now())


@transaction.atomic
def roster_import(*, actor: Any, root: OrgUnit, content: bytes, filename: str, sync: bool = False) -> RosterImport:
    """Create or update the employees of an HR export under `root`; reject bad rows with line, field and reason.

    With `sync`, active employees under `root` whose number is nowhere in the file are deactivated (leavers).
    Rows read = rows accepted + rows rejected; nothing is lost (rejected rows can be downloaded).
    """
    _require(actor, p.MANAGE, root)
    try:
        header, cells = roster.read_table(content, filename)
        units = {u.code: u for u in OrgUnit.objects.filter(institution_id=root.institution_id,
                                                           path__startswith=root.path)}
        users = {u.username.lower(): u for u in User.objects.filter(org_unit__institution_id=root.institution_id)}
        rows = roster.check_rows(header, cells, unit_lookup=units.get, user_lookup=lambda n: users.get(n.lower()),
                                 today=timezone.localdate())
    except roster.RosterFileError as exc:
        raise _invalid("file", str(exc)) from exc
    existing = {e.employee_no: e for e in Employee.objects.filter(institution_id=root.institution_id).select_related("org_unit")}
    linked = dict(Employee.objects.filter(institution_id=root.institution_id, user__isnull=False)
                  .values_list("user_id", "employee_no"))
    result = RosterImport(org_unit=root, actor=actor if getattr(actor, "is_authenticated", False) else None,
                          filename=filename[:200], sync=sync, header=list(header))
    changed: list[str] = []
    today = timezone.localdate()
    for row in rows:
        if not row.ok:
            continue
        v = row.values
        current = existing.get(v["employee_no"])
        if current is not None and not current.org_unit.path.startswith(root.path):
            row.reject("employee_no", _("This employee belongs to a unit outside the import's unit."))
            continue
        user = v["user"]
        if user is not None and linked.get(user.pk, v["employee_no"]) != v["employee_no"]:
            row.reject("username", _("This user account is linked to employee %(no)s.") % {"no": linked[user.pk]})
            continue
        fields = {"org_unit": v["org_unit"], "name": v["name"], "position": v["position"],
                  "hire_date": v["hire_date"], "status": v["status"]}
        if user is not None:
            fields["user"] = user
            linked[user.pk] = v["employee_no"]
        if current is None:
            employee = Employee(institution_id=root.institution_id, employee_no=v["employee_no"], **fields)
            if employee.status == Employee.Status.LEFT:
                employee.left_on = today
            employee.save()
            existing[employee.employee_no] = employee
            result.created += 1
            changed.append(employee.employee_no)
            continue
        diff = {k: val for k, val in fields.items() if getattr(current, k) != val}
        if not diff:
            result.unchanged += 1
            continue
        for k, val in diff.items():
            setattr(current, k, val)
        if current.status == Employee.Status.LEFT:
            _mark_left(current, current.left_on or today)
        else:
            current.left_on = None
        current.save()
        result.updated += 1
        changed.append(current.employee_no)
    if sync:
        in_file = {r.values.get("employee_no") for r in rows if r.values.get("employee_no")}
        leavers = Employee.objects.filter(institution_id=root.institution_id, org_unit__path__startswith=root.path
                                          ).exclude(status=Employee.Status.LEFT).exclude(employee_no__in=in_file)
        for employee in leavers:
            _mark_left(employee, today)
            result.deactivated += 1
            changed.append(employee.employee_no)
    result.rows_read = len(rows)
    result.rows_accepted = sum(1 for r in rows if r.ok)
    result.rows_rejected = result.rows_read - result.rows_accepted
    result.rejected = [{"line": r.line, "field": r.field, "reason": r.reason, "row": r.raw} for r in rows if not r.ok]
    result.save()
    audit.record(action="employee.import", actor=actor, obj=result, detail={
        "read": result.rows_read, "accepted": result.rows_accepted, "rejected": result.rows_rejected,
        "created": result.created, "updated": result.updated, "deactivated": result.deactivated,
        "employees": changed[:500]})
    return result


# --- catalogue ----------------------------------------------------------------------------------


@transaction.atomic
def course_create(*, actor: Any, org_unit: OrgUnit, code: str, title: str, category: str,
                  duration_minutes: int = 60, description: str = "", material_url: str = "",
                  material_text: str = "", material_file: Any = None) -> Course:
    _require(actor, p.MANAGE, org_unit)
    if category not in Topic.values:
        raise _invalid("category", _("Unknown category."))
    if duration_minutes <= 0:
        raise _invalid("duration_minutes", _("The duration must be positive."))
    if Course.objects.filter(org_unit=org_unit, code=code.strip()).exists():
        raise _invalid("code", _("A course with this code already exists in this unit."))
    course = Course(org_unit=org_unit, code=code.strip(), title=title.strip(), category=category,
                    duration_minutes=duration_minutes, description=description, material_url=material_url,
                    material_text=material_text)
    if material_file:
        course.material_file = material_file
    course.save()
    audit.record(action="course.create", actor=actor, obj=course, changes=audit.snapshot(course))
    return course


@transaction.atomic
def plan_create(*, actor: Any, org_unit: OrgUnit, year: int, title: str) -> TrainingPlan:
    _require(actor, p.MANAGE, org_unit)
    if not 2000 <= year <= 2100:
        raise _invalid("year", _("Enter a year between 2000 and 2100."))
    if TrainingPlan.objects.filter(org_unit=org_unit, year=year, title=title.strip()).exists():
        raise _invalid("title", _("This unit already has a plan with this title for that year."))
    plan = TrainingPlan.objects.create(org_unit=org_unit, year=year, title=title.strip())
    audit.record(action="training_plan.create", actor=actor, obj=plan, changes=audit.snapshot(plan))
    return plan


@transaction.atomic
def rule_add(*, actor: Any, plan: TrainingPlan, org_unit: OrgUnit, due_date: dt.date, course: Course | None = None,
             exam: Exam | None = None, position: str = "", new_hires_only: bool = False) -> AssignmentRule:
    _require(actor, p.MANAGE, plan.org_unit)
    if (course is None) == (exam is None):
        raise _invalid("course", _("Choose either a course or an exam."))
    if not org_unit.path.startswith(plan.org_unit.path):
        raise _invalid("org_unit", _("The rule's unit must be within the plan's unit."))
    if due_date.year != plan.year:
        raise _invalid("due_date", _("The due date must fall in the plan year."))
    rule = AssignmentRule.objects.create(plan=plan, org_unit=org_unit, course=course, exam=exam,
                                         position=position.strip(), new_hires_only=new_hires_only, due_date=due_date)
    audit.record(action="assignment_rule.create", actor=actor, obj=rule, org_unit_id=plan.org_unit_id,
                 changes=audit.snapshot(rule))
    return rule


def _rule_employees(rule: AssignmentRule) -> Any:
    qs = Employee.objects.filter(org_unit__path__startswith=rule.org_unit.path, status=Employee.Status.ACTIVE)
    if rule.position:
        qs = qs.filter(position=rule.position)
    if rule.new_hires_only:
        qs = qs.filter(hire_date__year=rule.plan.year)
    return qs


@transaction.atomic
def plan_publish(*, actor: Any, plan: TrainingPlan) -> int:
    """Publish the plan and assign it: one assignment per matching active employee and rule. Re-running
    assigns only newcomers (idempotent). Returns the number of assignments created."""
    _require(actor, p.MANAGE, plan.org_unit)
    if not plan.rules.exists():
        raise Conflict(_("Add at least one assignment rule before publishing."))
    before = audit.snapshot(plan)
    plan.status = TrainingPlan.Status.PUBLISHED
    plan.save(update_fields=["status", "updated_at"])
    created = _apply(plan)
    audit.record(action="training_plan.publish", actor=actor, obj=plan,
                 changes=audit.diff(before, audit.snapshot(plan)), detail={"assignments_created": created})
    return created


def _apply(plan: TrainingPlan) -> int:
    new: list[Assignment] = []
    for rule in plan.rules.select_related("org_unit", "plan"):
        target: dict[str, Any] = {"course": rule.course} if rule.course_id else {"exam": rule.exam}
        have = set(Assignment.objects.filter(plan=plan, **target).values_list("employee_id", flat=True))
        for employee_id, unit_id in _rule_employees(rule).values_list("pk", "org_unit_id"):
            if employee_id in have:
                continue
            have.add(employee_id)
            new.append(Assignment(employee_id=employee_id, org_unit_id=unit_id, plan=plan, rule=rule,
                                  due_date=rule.due_date, **target))
    Assignment.objects.bulk_create(new, batch_size=1000)
    return len(new)


@transaction.atomic
def assignment_complete(*, actor: Any, assignment: Assignment) -> Assignment:
    """The employee marks a course done. Exam assignments complete by passing the exam instead."""
    if assignment.employee.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the assigned employee can complete this training."))
    if assignment.exam_id:
        raise Conflict(_("This assignment is completed by passing its exam."))
    if assignment.status != Assignment.Status.ASSIGNED:
        raise Conflict(_("This assignment is not open."))
    before = audit.snapshot(assignment)
    assignment.status, assignment.completed_at = Assignment.Status.COMPLETED, timezone.now()
    assignment.save(update_fields=["status", "completed_at", "updated_at"])
    audit.record(action="assignment.complete", actor=actor, obj=assignment,
                 changes=audit.diff(before, audit.snapshot(assignment)))
    return assignment


# --- question banks and exams -------------------------------------------------------------------


@transaction.atomic
def bank_create(*, actor: Any, org_unit: OrgUnit, name: str, description: str = "") -> QuestionBank:
    _require(actor, p.MANAGE, org_unit)
    if not name.strip():
        raise _invalid("name", _("The name is required."))
    bank = QuestionBank.objects.create(org_unit=org_unit, name=name.strip(), description=description)
    audit.record(action="question_bank.create", actor=actor, obj=bank, changes=audit.snapshot(bank))
    return bank


def check_question(*, kind: str, options: Sequence[str], correct: Sequence[int]) -> list[str]:
    """Normalised options of a question, or ValidationFailed naming what is wrong."""
    if kind not in Question.Kind.values:
        raise _invalid("kind", _("Unknown question type."))
    if kind == Question.Kind.TRUE_FALSE:
        options = [_("True"), _("False")] if not options else list(options)
        if len(options) != 2:
            raise _invalid("options", _("A true/false question has exactly two options."))
    options = [str(o).strip() for o in options]
    if len(options) < 2 or any(not o for o in options):
        raise _invalid("options", _("Give at least two non-empty options."))
    if len(options) > 8:
        raise _invalid("options", _("At most eight options."))
    chosen = set(correct)
    if not chosen or any(not 0 <= i < len(options) for i in chosen):
        raise _invalid("correct", _("Mark the correct option(s) among the options."))
    if kind != Question.Kind.MULTIPLE and len(chosen) != 1:
        raise _invalid("correct", _("This question type has exactly one correct option."))
    return options


@transaction.atomic
def question_create(*, actor: Any, bank: QuestionBank, kind: str, topic: str, text: str, options: Sequence[str],
                    correct: Sequence[int], difficulty: int = 2, explanation: str = "") -> Question:
    _require(actor, p.MANAGE, bank.org_unit)
    if topic not in Topic.values:
        raise _invalid("topic", _("Unknown topic."))
    if not 1 <= difficulty <= 3:
        raise _invalid("difficulty", _("Difficulty is 1, 2 or 3."))
    if not text.strip():
        raise _invalid("text", _("The question text is required."))
    clean = check_question(kind=kind, options=options, correct=correct)
    question = Question.objects.create(bank=bank, kind=kind, topic=topic, text=text.strip(), options=clean,
                                       correct=sorted(set(correct)), difficulty=difficulty, explanation=explanation)
    audit.record(action="question.create", actor=actor, obj=question, org_unit_id=bank.org_unit_id,
                 changes=audit.snapshot(question))
    return question


def _check_quotas(bank: QuestionBank, quotas: Mapping[str, int]) -> dict[str, int]:
    clean = {}
    for topic, count in quotas.items():
        if topic not in Topic.values:
            raise _invalid("quotas", _("Unknown topic %(topic)s.") % {"topic": topic})
        if int(count) < 0:
            raise _invalid("quotas", _("Quotas cannot be negative."))
        if int(count):
            clean[topic] = int(count)
    if not clean:
        raise _invalid("quotas", _("Draw at least one question."))
    available = {t: bank.questions.filter(topic=t, is_active=True).count() for t in clean}
    short = [f"{Topic(t).label}: {clean[t]} > {available[t]}" for t in clean if available[t] < clean[t]]
    if short:
        raise _invalid("quotas", _("The bank has too few questions: %(short)s.") % {"short": "; ".join(short)})
    return clean


@transaction.atomic
def exam_create(*, actor: Any, org_unit: OrgUnit, title: str, bank: QuestionBank, quotas: Mapping[str, int],
                kind: str = Exam.Kind.EXAM, time_limit_minutes: int = 30, pass_mark: int = 80,
                max_attempts: int = 3, course: Course | None = None) -> Exam:
    _require(actor, p.MANAGE, org_unit)
    if not title.strip():
        raise _invalid("title", _("The title is required."))
    if time_limit_minutes <= 0:
        raise _invalid("time_limit_minutes", _("The time limit must be positive."))
    if not 0 <= pass_mark <= 100:
        raise _invalid("pass_mark", _("The pass mark is a percentage from 0 to 100."))
    if max_attempts <= 0:
        raise _invalid("max_attempts", _("Allow at least one attempt."))
    exam = Exam.objects.create(org_unit=org_unit, title=title.strip(), bank=bank, quotas=_check_quotas(bank, quotas),
                               kind=kind, time_limit_minutes=time_limit_minutes, pass_mark=pass_mark,
                               max_attempts=max_attempts, course=course)
    audit.record(action="exam.create", actor=actor, obj=exam, changes=audit.snapshot(exam))
    return exam


# --- attempts -----------------------------------------------------------------------------------


def _own_employee(actor: Any) -> Employee:
    pk = getattr(actor, "pk", None)
    employee = Employee.objects.filter(user_id=pk).select_related("org_unit").first() if pk else None
    if employee is None or employee.status != Employee.Status.ACTIVE:
        raise PermissionDenied(_("You have no active record on the staff roster."))
    return employee


@transaction.atomic
def attempt_start(*, actor: Any, exam: Exam, now: dt.datetime | None = None) -> Attempt:
    """Start (or resume) the caller's attempt at an assigned exam, drawing its questions from a fresh seed.

    Refused when the exam is not assigned to the caller, already passed, or its attempts are used up.
    """
    now = now or timezone.now()
    employee = _own_employee(actor)
    assignment = _open_sitting(employee, exam)
    open_attempt = employee.attempts.filter(exam=exam, status=Attempt.Status.IN_PROGRESS).first()
    if open_attempt is not None:
        if now <= open_attempt.deadline + GRACE:
            return open_attempt
        _expire(open_attempt, now)
    attempt = _new_attempt(employee, exam, assignment, now)
    audit.record(action="attempt.start", actor=actor, obj=attempt, detail={"seed": attempt.seed})
    return attempt


def _open_sitting(employee: Employee, exam: Exam) -> Assignment:
    """The employee's assignment of `exam`, if another attempt is allowed (retake policy)."""
    assignment = (Assignment.objects.select_for_update().filter(employee=employee, exam=exam)
                  .exclude(status=Assignment.Status.CANCELLED).order_by("-due_date").first())
    if assignment is None:
        raise NotFound(_("This exam is not assigned to you."))
    done = employee.attempts.filter(exam=exam).exclude(status=Attempt.Status.IN_PROGRESS)
    if exam.kind == Exam.Kind.EXAM and done.filter(passed=True).exists():
        raise Conflict(_("You have already passed this exam."))
    if done.count() >= exam.max_attempts:
        raise Conflict(_("You have used all %(n)s attempts at this exam.") % {"n": exam.max_attempts})
    return assignment


def _new_attempt(employee: Employee, exam: Exam, assignment: Assignment, now: dt.datetime,
                 seed: int | None = None) -> Attempt:
    questions = list(exam.bank.questions.filter(is_active=True, topic__in=list(exam.quotas)).values_list(
        "pk", "topic", "kind", "options"))
    pool: dict[str, list[int]] = {}
    for pk, topic, _kind, _options in questions:
        pool.setdefault(topic, []).append(pk)
    seed = secrets.randbits(62) if seed is None else seed
    try:
        paper = grading.draw(seed=seed, quotas=exam.quotas, pool=pool,
                             option_counts={pk: len(options) for pk, _t, _k, options in questions},
                             shuffle_options={pk: kind != Question.Kind.TRUE_FALSE for pk, _t, kind, _o in questions})
    except grading.NotEnoughQuestions as exc:
        raise Conflict(_("The question bank no longer has enough questions for this exam.")) from exc
    number = (employee.attempts.filter(exam=exam).aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(exam=exam, employee=employee, org_unit=employee.org_unit,
                                             assignment=assignment, number=number, seed=seed, started_at=now,
                                             deadline=now + dt.timedelta(minutes=exam.time_limit_minutes))
    except IntegrityError as exc:  # a concurrent start of the same exam
        raise Conflict(_("An attempt at this exam is already open.")) from exc
    AttemptQuestion.objects.bulk_create([
        AttemptQuestion(attempt=attempt, question_id=d.question_id, position=i + 1, topic=d.topic,
                        option_order=d.option_order) for i, d in enumerate(paper)])
    return attempt


def _expire(attempt: Attempt, now: dt.datetime) -> None:
    """Over the time limit without a submission in time: a failed attempt with score 0, nothing graded."""
    attempt.status, attempt.submitted_at = Attempt.Status.EXPIRED, now
    attempt.score, attempt.passed, attempt.breakdown = grading.percent(0, 1), False, {}
    attempt.save(update_fields=["status", "submitted_at", "score", "passed", "breakdown", "updated_at"])
    audit.record(action="attempt.expire", actor=None, obj=attempt)


@transaction.atomic
def attempt_submit(*, actor: Any, attempt: Attempt, answers: Mapping[int, Sequence[int]],
                   now: dt.datetime | None = None) -> Attempt:
    """Grade the caller's attempt. `answers` maps question id -> chosen option indices (of question.options).

    Refused: a second submission, an answer to a question not in the attempt, an option that does not exist.
    After the time limit the attempt is recorded as expired (failed, score 0) and nothing is graded.
    """
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("exam", "employee").get(pk=attempt.pk)
    if attempt.employee.user_id != getattr(actor, "pk", None):
        raise NotFound(_("No such attempt."))
    _grade(attempt, answers, now)
    audit.record(action="attempt.submit", actor=actor, obj=attempt,
                 detail={"score": str(attempt.score), "passed": attempt.passed, "status": attempt.status})
    return attempt


def _grade(attempt: Attempt, answers: Mapping[int, Sequence[int]], now: dt.datetime) -> None:
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise Conflict(_("This attempt has already been submitted."))
    items = {i.question_id: i for i in attempt.items.select_related("question")}
    stray = sorted(set(answers) - set(items))
    if stray:
        raise _invalid("answers", _("Answers to questions not in this attempt: %(ids)s.")
                       % {"ids": ", ".join(map(str, stray))})
    for qid, chosen in answers.items():
        if any(not 0 <= int(i) < len(items[qid].question.options) for i in chosen):
            raise _invalid("answers", _("An answer names an option that does not exist."))
    if now > attempt.deadline + GRACE:
        _expire(attempt, now)
        return
    results = []
    for qid, item in items.items():
        chosen = sorted({int(i) for i in answers.get(qid, [])})
        item.answer = chosen
        item.is_correct = grading.is_correct(kind=item.question.kind, correct=item.question.correct, answer=chosen)
        results.append((item.topic, item.is_correct))
    AttemptQuestion.objects.bulk_update(list(items.values()), ["answer", "is_correct"])
    right = sum(ok for _t, ok in results)
    attempt.score = grading.percent(right, len(results))
    attempt.passed = grading.passes(attempt.score, attempt.exam.pass_mark)
    attempt.breakdown = grading.breakdown(results)
    attempt.status, attempt.submitted_at = Attempt.Status.SUBMITTED, now
    attempt.save(update_fields=["score", "passed", "breakdown", "status", "submitted_at", "updated_at"])
    done = attempt.passed or attempt.exam.kind == Exam.Kind.AWARENESS
    if done and attempt.assignment_id:
        Assignment.objects.filter(pk=attempt.assignment_id, status=Assignment.Status.ASSIGNED).update(
            status=Assignment.Status.COMPLETED, completed_at=now, updated_at=now)


@transaction.atomic
def attempt_record(*, actor: Any, employee: Employee, exam: Exam, answer: Callable[[Question], Sequence[int]],
                   started_at: dt.datetime, submitted_at: dt.datetime, seed: int | None = None) -> Attempt:
    """Record a sitting held offline (a paper exam in a branch): the same draw, retake policy and grading.

    `answer(question)` gives the options the employee chose for each drawn question; `seed` reproduces a
    paper (a fresh random one when None).
    """
    _require(actor, p.MANAGE, employee.org_unit)
    if submitted_at < started_at:
        raise _invalid("submitted_at", _("The sitting cannot end before it starts."))
    if employee.attempts.filter(exam=exam, status=Attempt.Status.IN_PROGRESS).exists():
        raise Conflict(_("An attempt at this exam is already open."))
    attempt = _new_attempt(employee, exam, _open_sitting(employee, exam), started_at, seed)
    answers = {i.question_id: list(answer(i.question)) for i in attempt.items.select_related("question")}
    _grade(attempt, answers, submitted_at)
    audit.record(action="attempt.record", actor=actor, obj=attempt,
                 detail={"score": str(attempt.score), "passed": attempt.passed})
    return attempt


def attempts_expire_overdue(*, now: dt.datetime | None = None) -> int:
    """Close attempts left open past their time limit (run periodically)."""
    now = now or timezone.now()
    count = 0
    for pk in Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lt=now - GRACE).values_list(
            "pk", flat=True):
        with transaction.atomic():
            attempt = Attempt.objects.select_for_update().get(pk=pk)
            if attempt.status == Attempt.Status.IN_PROGRESS:
                _expire(attempt, now)
                count += 1
    return count


REMIND_DAYS = 7


def assignments_remind(*, today: dt.date | None = None) -> int:
    """Remind each employee (with an account) once of an open training due within REMIND_DAYS."""
    from finassure.framework import notify

    today = today or timezone.localdate()
    due = Assignment.objects.filter(status=Assignment.Status.ASSIGNED, reminded_at__isnull=True,
                                    due_date__gte=today, due_date__lte=today + dt.timedelta(days=REMIND_DAYS),
                                    employee__user__isnull=False).select_related("employee__user", "course", "exam")
    count = 0
    for assignment in due:
        with transaction.atomic():
            notify.send(recipient=assignment.employee.user, kind="due_soon",
                        title=lazy_text(gettext_lazy("Training due on %(date)s: %(title)s"),
                                              {"date": assignment.due_date, "title": assignment.title}),
                        url=reverse("training:my"))
            Assignment.objects.filter(pk=assignment.pk).update(reminded_at=timezone.now())
            count += 1
    return count


def assignments_escalate_overdue(*, today: dt.date | None = None) -> int:
    """Escalate open trainings past their due date, once each: the unit's trainers get one notice per unit."""
    from finassure.accounts.roles import Role
    from finassure.framework import notify

    today = today or timezone.localdate()
    overdue = Assignment.objects.filter(status=Assignment.Status.ASSIGNED, escalated_at__isnull=True,
                                        due_date__lt=today)
    per_unit: dict[int, list[int]] = {}
    for pk, unit_id in overdue.values_list("pk", "org_unit_id"):
        per_unit.setdefault(unit_id, []).append(pk)
    for unit in OrgUnit.objects.filter(pk__in=per_unit):
        ids = per_unit[unit.pk]
        with transaction.atomic():
            for trainer in access.users_with_role(role=Role.TRAINER, unit=unit):
                notify.send(recipient=trainer, kind="overdue",
                            title=lazy_text(gettext_lazy("%(n)s overdue trainings in %(unit)s"),
                                                  {"n": len(ids), "unit": unit}),
                            url=f"{reverse('training:assignment_list')}?status=overdue&org_unit={unit.pk}")
            Assignment.objects.filter(pk__in=ids).update(escalated_at=timezone.now())
            audit.record(action="assignment.escalate", actor=None, object_type="training.assignment",
                         object_repr=unit.name, org_unit_id=unit.pk, detail={"assignments": ids[:500]})
    return sum(len(v) for v in per_unit.values())
