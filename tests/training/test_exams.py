"""Question banks and exams: drawing by topic quotas, grading, retakes, time limits, bad submissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from finassure.accounts.roles import Role
from finassure.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.training import grading, services
from finassure.training.models import Assignment, Attempt, Exam, Question
from tests.training.factories import assign, make_bank, make_employee, make_exam, right_answers, wrong_answers

# --- pure grading --------------------------------------------------------------------------------

pools = st.dictionaries(st.sampled_from(["aml", "compliance", "risk", "fraud"]),
                        st.lists(st.integers(1, 10_000), min_size=1, max_size=15, unique=True), min_size=1)


@given(pools, st.integers(0, 2**62), st.data())
def test_a_draw_honours_the_quotas_and_is_the_same_for_the_same_seed(pool: dict[str, list[int]], seed: int,
                                                                    data: Any) -> None:
    # a question id belongs to one topic
    seen: set[int] = set()
    pool = {t: [q for q in ids if not (q in seen or seen.add(q))] for t, ids in pool.items()}  # type: ignore[func-returns-value]
    pool = {t: ids for t, ids in pool.items() if ids}
    quotas = {t: data.draw(st.integers(0, len(ids))) for t, ids in pool.items()}
    counts = {q: data.draw(st.integers(2, 6)) for ids in pool.values() for q in ids}
    shuffle = {q: q % 2 == 0 for q in counts}
    paper = grading.draw(seed=seed, quotas=quotas, pool=pool, option_counts=counts, shuffle_options=shuffle)
    assert paper == grading.draw(seed=seed, quotas=quotas, pool=pool, option_counts=counts, shuffle_options=shuffle)
    for topic, wanted in quotas.items():
        assert sum(1 for d in paper if d.topic == topic) == wanted
    assert len({d.question_id for d in paper}) == len(paper)
    for d in paper:
        assert d.question_id in pool[d.topic]
        assert sorted(d.option_order) == list(range(counts[d.question_id]))
        if not shuffle[d.question_id]:
            assert d.option_order == list(range(counts[d.question_id]))


def test_a_draw_larger_than_the_pool_is_refused() -> None:
    with pytest.raises(grading.NotEnoughQuestions):
        grading.draw(seed=1, quotas={"aml": 3}, pool={"aml": [1, 2]}, option_counts={1: 2, 2: 2},
                     shuffle_options={})


@given(st.sets(st.integers(0, 5), min_size=1), st.lists(st.integers(0, 5), max_size=6))
def test_multiple_choice_is_right_only_for_exactly_the_right_set(correct: set[int], answer: list[int]) -> None:
    assert grading.is_correct(kind="multiple", correct=sorted(correct), answer=answer) == (
        bool(answer) and set(answer) == correct)


@given(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4))
def test_single_choice_is_right_only_for_the_one_right_option(correct: int, answer: list[int]) -> None:
    assert grading.is_correct(kind="single", correct=[correct], answer=answer) == (set(answer) == {correct})


@given(st.integers(0, 200), st.integers(1, 200))
def test_a_score_is_a_percentage_with_two_decimals(right: int, total: int) -> None:
    right = min(right, total)
    score = grading.percent(right, total)
    assert Decimal(0) <= score <= Decimal(100)
    assert abs(score - Decimal(100 * right) / total) <= Decimal("0.005")
    assert grading.passes(score, 100) == (right == total)


def test_the_breakdown_gives_a_score_per_topic() -> None:
    assert grading.breakdown([("aml", True), ("aml", False), ("fraud", True)]) == {"aml": 50.0, "fraud": 100.0}


# --- services ------------------------------------------------------------------------------------


@pytest.fixture
def sitting(org: Any, make_user: Any) -> Any:
    """An employee (with an account) assigned an exam of 5 questions, pass mark 80, two attempts."""
    user = make_user(Role.EMPLOYEE, unit="haidian")
    employee = make_employee(org.haidian, user=user)
    exam = make_exam(org.beijing)
    assignment = assign(employee, exam=exam)
    return type("Sitting", (), {"user": user, "employee": employee, "exam": exam, "assignment": assignment})


def test_an_attempt_draws_the_quota_and_all_right_answers_pass_and_complete_the_assignment(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    items = list(attempt.items.all())
    assert sorted(i.topic for i in items) == ["aml", "aml", "aml", "compliance", "compliance"]
    attempt = services.attempt_submit(actor=sitting.user, attempt=attempt, answers=right_answers(attempt))
    assert (attempt.status, attempt.score, attempt.passed) == (Attempt.Status.SUBMITTED, Decimal("100.00"), True)
    assert attempt.breakdown == {"aml": 100.0, "compliance": 100.0}
    sitting.assignment.refresh_from_db()
    assert sitting.assignment.status == Assignment.Status.COMPLETED
    assert AuditEvent.objects.filter(action="attempt.submit", object_id=str(attempt.pk)).exists()


def test_the_mark_decides_pass_or_fail(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    answers = right_answers(attempt)
    first = next(iter(answers))
    answers[first] = [3] if len(attempt.items.get(question_id=first).question.options) > 2 else [1]
    attempt = services.attempt_submit(actor=sitting.user, attempt=attempt, answers=answers)
    assert (attempt.score, attempt.passed) == (Decimal("80.00"), True)  # 4 of 5 at pass mark 80


def test_unanswered_questions_count_as_wrong(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    attempt = services.attempt_submit(actor=sitting.user, attempt=attempt, answers={})
    assert (attempt.score, attempt.passed) == (Decimal("0.00"), False)


def test_retakes_are_allowed_until_passed_or_the_attempts_are_used_up(sitting: Any) -> None:
    first = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    services.attempt_submit(actor=sitting.user, attempt=first, answers=wrong_answers(first))
    second = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    assert second.number == 2 and second.pk != first.pk
    services.attempt_submit(actor=sitting.user, attempt=second, answers=wrong_answers(second))
    with pytest.raises(Conflict, match="all 2 attempts"):
        services.attempt_start(actor=sitting.user, exam=sitting.exam)
    sitting.assignment.refresh_from_db()
    assert sitting.assignment.status == Assignment.Status.ASSIGNED


def test_no_retake_after_a_pass(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    services.attempt_submit(actor=sitting.user, attempt=attempt, answers=right_answers(attempt))
    with pytest.raises(Conflict, match="already passed"):
        services.attempt_start(actor=sitting.user, exam=sitting.exam)


def test_starting_again_resumes_the_open_attempt(sitting: Any) -> None:
    first = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    assert services.attempt_start(actor=sitting.user, exam=sitting.exam).pk == first.pk


def test_a_second_submission_of_the_same_attempt_is_refused_and_not_counted_twice(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    services.attempt_submit(actor=sitting.user, attempt=attempt, answers=wrong_answers(attempt))
    with pytest.raises(Conflict, match="already been submitted"):
        services.attempt_submit(actor=sitting.user, attempt=attempt, answers=right_answers(attempt))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (Decimal("0.00"), False)
    assert AuditEvent.objects.filter(action="attempt.submit", object_id=str(attempt.pk)).count() == 1


def test_a_submission_after_the_time_limit_counts_as_a_failed_attempt(sitting: Any) -> None:
    start = timezone.now()
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam, now=start)
    late = start + dt.timedelta(minutes=sitting.exam.time_limit_minutes, seconds=31)
    attempt = services.attempt_submit(actor=sitting.user, attempt=attempt, answers=right_answers(attempt), now=late)
    assert (attempt.status, attempt.passed, attempt.score) == (Attempt.Status.EXPIRED, False, Decimal("0.00"))
    assert not attempt.items.filter(is_correct__isnull=False).exists()
    sitting.assignment.refresh_from_db()
    assert sitting.assignment.status == Assignment.Status.ASSIGNED


def test_a_submission_within_the_grace_after_the_limit_is_graded(sitting: Any) -> None:
    start = timezone.now()
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam, now=start)
    just = start + dt.timedelta(minutes=sitting.exam.time_limit_minutes, seconds=29)
    attempt = services.attempt_submit(actor=sitting.user, attempt=attempt, answers=right_answers(attempt), now=just)
    assert attempt.passed is True


def test_an_abandoned_attempt_expires_and_uses_up_one_attempt(sitting: Any) -> None:
    start = timezone.now() - dt.timedelta(hours=2)
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam, now=start)
    assert services.attempts_expire_overdue() == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED
    assert services.attempt_start(actor=sitting.user, exam=sitting.exam).number == 2


def test_an_answer_to_a_question_not_in_the_attempt_is_refused_and_nothing_is_saved(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    outsider = Question.objects.exclude(pk__in=attempt.items.values("question_id")).first()
    assert outsider is not None
    answers = right_answers(attempt) | {outsider.pk: [0]}
    with pytest.raises(ValidationFailed, match="not in this attempt"):
        services.attempt_submit(actor=sitting.user, attempt=attempt, answers=answers)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not attempt.items.filter(answer__isnull=False).exists()


def test_an_option_that_does_not_exist_is_refused(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    qid = next(iter(right_answers(attempt)))
    with pytest.raises(ValidationFailed):
        services.attempt_submit(actor=sitting.user, attempt=attempt, answers={qid: [9]})


def test_only_the_examinee_can_submit(sitting: Any, make_user: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    with pytest.raises(NotFound):
        services.attempt_submit(actor=make_user(Role.TRAINER, unit="head"), attempt=attempt, answers={})


def test_an_exam_not_assigned_cannot_be_started(sitting: Any, org: Any) -> None:
    with pytest.raises(NotFound):
        services.attempt_start(actor=sitting.user, exam=make_exam(org.beijing))


def test_someone_not_on_the_roster_cannot_start_an_exam(sitting: Any, make_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.attempt_start(actor=make_user(Role.EMPLOYEE), exam=sitting.exam)


def test_the_same_seed_draws_the_same_paper_across_attempts(sitting: Any) -> None:
    attempt = services.attempt_start(actor=sitting.user, exam=sitting.exam)
    pool: dict[str, list[int]] = {}
    counts, shuffle = {}, {}
    for q in sitting.exam.bank.questions.all():
        pool.setdefault(q.topic, []).append(q.pk)
        counts[q.pk], shuffle[q.pk] = len(q.options), q.kind != Question.Kind.TRUE_FALSE
    paper = grading.draw(seed=attempt.seed, quotas=sitting.exam.quotas, pool=pool, option_counts=counts,
                         shuffle_options=shuffle)
    assert [(d.question_id, d.option_order) for d in paper] == [
        (i.question_id, i.option_order) for i in attempt.items.order_by("position")]


def test_an_exam_needs_enough_questions_per_topic(org: Any) -> None:
    bank = make_bank(org.beijing, per_topic=2)
    with pytest.raises(ValidationFailed, match="too few questions"):
        services.exam_create(actor=None, org_unit=org.beijing, title="x", bank=bank, quotas={"aml": 3})
    with pytest.raises(ValidationFailed):
        services.exam_create(actor=None, org_unit=org.beijing, title="x", bank=bank, quotas={"aml": 0})


@pytest.mark.parametrize(("kind", "options", "correct"), [
    ("single", ["a", "b"], [0, 1]),
    ("single", ["a"], [0]),
    ("multiple", ["a", "b", ""], [0]),
    ("true_false", ["a", "b", "c"], [0]),
    ("single", ["a", "b"], [2]),
    ("single", ["a", "b"], []),
])
def test_malformed_questions_are_refused(org: Any, kind: str, options: list[str], correct: list[int]) -> None:
    bank = make_bank(org.beijing, per_topic=0)
    with pytest.raises(ValidationFailed):
        services.question_create(actor=None, bank=bank, kind=kind, topic="aml", text="?", options=options,
                                 correct=correct)
    assert not bank.questions.exists()


def test_an_awareness_assessment_gives_a_score_per_risk_category_and_completes_when_submitted(
        org: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE, unit="haidian")
    employee = make_employee(org.haidian, user=user)
    bank = make_bank(org.head, topics=("fraud", "aml", "infosec"), per_topic=3)
    exam = make_exam(org.head, bank=bank, kind=Exam.Kind.AWARENESS, quotas={"fraud": 2, "aml": 2, "infosec": 1})
    assignment = assign(employee, exam=exam)
    attempt = services.attempt_start(actor=user, exam=exam)
    answers = right_answers(attempt)
    fraud = [i.question_id for i in attempt.items.filter(topic="fraud")]
    answers[fraud[0]] = [1] if attempt.items.get(question_id=fraud[0]).question.kind != "multiple" else [0]
    attempt = services.attempt_submit(actor=user, attempt=attempt, answers=answers)
    assert attempt.score == Decimal("80.00")
    assert attempt.breakdown == {"aml": 100.0, "fraud": 50.0, "infosec": 100.0}
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED
