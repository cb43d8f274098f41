"""Pages and API of training: taking an exam in the browser, review, certificate, lists, exports, query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.training import services
from finassure.training.models import Assignment, Attempt, Course, Exam, Question, QuestionBank, TrainingPlan
from tests.training.factories import assign, make_bank, make_course, make_employee, make_exam


@pytest.fixture
def examinee(org: Any, make_user: Any) -> Any:
    user = make_user(Role.EMPLOYEE, unit="haidian")
    employee = make_employee(org.haidian, user=user, name="周八")
    exam = make_exam(org.beijing, pass_mark=80)
    return type("E", (), {"user": user, "employee": employee, "exam": exam,
                          "assignment": assign(employee, exam=exam)})


def _form_answers(html: str, attempt: Attempt, right: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in attempt.items.select_related("question"):
        q = item.question
        assert f'name="q_{q.pk}"' in html
        data[f"q_{q.pk}"] = [str(i) for i in q.correct] if right else [str(len(q.options) - 1)]
    return data


@pytest.mark.parametrize("right", [True, False])
def test_an_employee_takes_an_assigned_exam_in_the_browser_and_passes_or_fails_by_the_mark(
        examinee: Any, login_client: Any, right: bool) -> None:
    client = login_client(examinee.user)
    page = client.get("/training/").content.decode()
    assert examinee.exam.title in page
    response = client.post(f"/training/my/assignments/{examinee.assignment.pk}/start-exam/")
    assert response.status_code == 302
    attempt = Attempt.objects.get(employee=examinee.employee)
    html = client.get(response["Location"]).content.decode()
    assert 'id="exam-form"' in html and "training/exam.js" in html
    response = client.post(f"/training/attempts/{attempt.pk}/submit/", _form_answers(html, attempt, right))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed is right
    review = client.get(f"/training/attempts/{attempt.pk}/").content.decode()
    assert "Answer review" in review and ("passed" if right else "not passed") in review
    examinee.assignment.refresh_from_db()
    assert (examinee.assignment.status == Assignment.Status.COMPLETED) is right
    certificate = client.get(f"/training/attempts/{attempt.pk}/certificate.pdf")
    assert certificate.status_code == (200 if right else 404)


def test_an_employee_opens_the_course_of_their_own_training_and_no_other(org: Any, make_user: Any,
                                                                          login_client: Any) -> None:
    user = make_user(Role.EMPLOYEE, unit="haidian")
    employee = make_employee(org.haidian, user=user)
    mine, other, cancelled = (make_course(org.beijing) for _ in range(3))
    assign(employee, course=mine)
    assign(employee, course=cancelled)
    Assignment.objects.filter(course=cancelled).update(status=Assignment.Status.CANCELLED)
    client = login_client(user)
    my_page = client.get("/training/").content.decode()
    assert f'href="/training/courses/{mine.pk}/"' in my_page
    assert client.get(f"/training/courses/{mine.pk}/").status_code == 200  # was 403: employees hold no training view
    assert client.get(f"/training/courses/{other.pk}/").status_code == 404
    assert client.get(f"/training/courses/{cancelled.pk}/").status_code == 404


def test_the_certificate_is_a_pdf_with_the_chinese_cid_font(examinee: Any, login_client: Any) -> None:
    from tests.training.factories import right_answers

    attempt = services.attempt_start(actor=examinee.user, exam=examinee.exam)
    services.attempt_submit(actor=examinee.user, attempt=attempt, answers=right_answers(attempt))
    response = login_client(examinee.user).get(f"/training/attempts/{attempt.pk}/certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"STSong-Light" in response.content and b"UniGB-UCS2-H" in response.content


def test_a_second_form_submission_is_refused_with_409(examinee: Any, login_client: Any) -> None:
    client = login_client(examinee.user)
    attempt = services.attempt_start(actor=examinee.user, exam=examinee.exam)
    assert client.post(f"/training/attempts/{attempt.pk}/submit/", {}).status_code == 302
    assert client.post(f"/training/attempts/{attempt.pk}/submit/", {}).status_code == 409


def test_malformed_answers_get_a_400_and_nothing_is_graded(examinee: Any, login_client: Any) -> None:
    client = login_client(examinee.user)
    attempt = services.attempt_start(actor=examinee.user, exam=examinee.exam)
    assert client.post(f"/training/attempts/{attempt.pk}/submit/", {"q_abc": "1"}).status_code == 400
    other = Question.objects.exclude(pk__in=attempt.items.values("question_id")).first()
    assert other is not None
    assert client.post(f"/training/attempts/{attempt.pk}/submit/", {f"q_{other.pk}": "0"}).status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_someone_elses_attempt_is_not_found_for_a_colleague(examinee: Any, login_client: Any,
                                                            make_user: Any) -> None:
    attempt = services.attempt_start(actor=examinee.user, exam=examinee.exam)
    colleague = make_user(Role.EMPLOYEE, unit="haidian")
    client = login_client(colleague)
    assert client.get(f"/training/attempts/{attempt.pk}/").status_code == 404
    assert client.post(f"/training/attempts/{attempt.pk}/submit/", {}).status_code == 404


def test_a_trainer_reviews_an_attempt_but_does_not_see_the_open_paper_as_a_form(examinee: Any, login_client: Any,
                                                                                make_user: Any) -> None:
    attempt = services.attempt_start(actor=examinee.user, exam=examinee.exam)
    html = login_client(make_user(Role.TRAINER, unit="beijing")).get(f"/training/attempts/{attempt.pk}/")
    assert html.status_code == 200 and 'id="exam-form"' not in html.content.decode()


def test_the_api_runs_an_exam_end_to_end(examinee: Any, client: Any) -> None:
    _, token = account_services.token_create(actor=examinee.user, name="t", read_only=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.post(f"/api/v1/training/my/assignments/{examinee.assignment.pk}/attempts", **headers)
    assert response.status_code == 201
    paper = response.json()
    assert len(paper["questions"]) == 5
    assert "correct" not in json.dumps(paper)
    correct = {q.pk: q.correct for q in Question.objects.filter(pk__in=[x["question_id"] for x in paper["questions"]])}
    answers = [{"question_id": q["question_id"], "options": correct[q["question_id"]]} for q in paper["questions"]]
    url = f"/api/v1/training/attempts/{paper['id']}/submit"
    response = client.post(url, json.dumps({"answers": answers}), content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["passed"] is True
    again = client.post(url, json.dumps({"answers": answers}), content_type="application/json", **headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_the_api_refuses_an_answer_to_a_question_not_in_the_attempt(examinee: Any, client: Any) -> None:
    _, token = account_services.token_create(actor=examinee.user, name="t", read_only=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    paper = client.post(f"/api/v1/training/my/assignments/{examinee.assignment.pk}/attempts", **headers).json()
    stranger = Question.objects.exclude(pk__in=[q["question_id"] for q in paper["questions"]]).first()
    assert stranger is not None
    response = client.post(f"/api/v1/training/attempts/{paper['id']}/submit",
                           json.dumps({"answers": [{"question_id": stranger.pk, "options": [0]}]}),
                           content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


# --- managers' pages -----------------------------------------------------------------------------


@pytest.fixture
def trainer(make_user: Any) -> Any:
    return make_user(Role.TRAINER, unit="beijing")


def test_a_trainer_builds_a_course_a_plan_a_rule_and_publishes_it_from_the_pages(org: Any, trainer: Any,
                                                                                 login_client: Any) -> None:
    make_employee(org.haidian, position="柜员")
    client = login_client(trainer)
    response = client.post("/training/courses/new/", {"org_unit": org.beijing.pk, "code": "AML-01", "title": "反洗钱",
                                                      "category": "aml", "duration_minutes": 45})
    assert response.status_code == 302
    course = Course.objects.get(code="AML-01")
    response = client.post("/training/plans/new/", {"org_unit": org.beijing.pk, "year": 2026, "title": "年度计划"})
    plan = TrainingPlan.objects.get(title="年度计划")
    assert response["Location"].endswith(f"/training/plans/{plan.pk}/")
    bad = client.post(f"/training/plans/{plan.pk}/rules/", {"org_unit": org.haidian.pk, "due_date": "2026-06-30"})
    assert bad.status_code == 400 and "either a course or an exam" in bad.content.decode()
    ok = client.post(f"/training/plans/{plan.pk}/rules/", {"org_unit": org.haidian.pk, "course": course.pk,
                                                           "position": "柜员", "due_date": "2026-06-30"})
    assert ok.status_code == 302
    assert client.post(f"/training/plans/{plan.pk}/publish/").status_code == 302
    assert Assignment.objects.filter(plan=plan).count() == 1


def test_a_trainer_adds_questions_and_an_exam_by_quotas_from_the_pages(org: Any, trainer: Any,
                                                                       login_client: Any) -> None:
    client = login_client(trainer)
    assert client.post("/training/banks/new/", {"org_unit": org.beijing.pk, "name": "合规题库"}).status_code == 302
    bank = QuestionBank.objects.get(name="合规题库")
    for i in range(2):
        response = client.post(f"/training/banks/{bank.pk}/questions/new/", {
            "kind": "single", "topic": "compliance", "difficulty": 2, "text": f"第{i}题",
            "options": "甲\n乙\n丙", "correct": "2"})
        assert response.status_code == 302
    bad = client.post(f"/training/banks/{bank.pk}/questions/new/", {
        "kind": "single", "topic": "compliance", "difficulty": 2, "text": "?", "options": "甲\n乙", "correct": "1,2"})
    assert bad.status_code == 200 and "exactly one correct option" in bad.content.decode()
    assert Question.objects.get(text="第0题").correct == [1]
    too_many = client.post("/training/exams/new/", {"org_unit": org.beijing.pk, "kind": "exam", "title": "合规考试",
                                                    "bank": bank.pk, "time_limit_minutes": 20, "pass_mark": 80,
                                                    "max_attempts": 2, "quota_compliance": 3})
    assert "too few questions" in too_many.content.decode()
    response = client.post("/training/exams/new/", {"org_unit": org.beijing.pk, "kind": "exam", "title": "合规考试",
                                                    "bank": bank.pk, "time_limit_minutes": 20, "pass_mark": 80,
                                                    "max_attempts": 2, "quota_compliance": 2})
    assert response.status_code == 302
    assert Exam.objects.get(title="合规考试").quotas == {"compliance": 2}


def test_the_staff_list_filters_exports_and_keeps_its_query_count_flat(org: Any, trainer: Any,
                                                                       login_client: Any) -> None:
    client = login_client(trainer)
    for i in range(3):
        make_employee(org.haidian, position="柜员", number=f"H{i}")
    make_employee(org.beijing, position="客户经理", number="B1")
    client.get("/training/staff/")
    with CaptureQueriesContext(connection) as few:
        client.get("/training/staff/")
    for i in range(3, 20):
        make_employee(org.haidian, number=f"H{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/training/staff/")
    assert response.status_code == 200
    assert len(many) == len(few)
    html = client.get(f"/training/staff/?position=客户经理&org_unit={org.beijing.pk}").content.decode()
    assert "B1" in html and "H1<" not in html
    export = client.get(f"/training/staff/?org_unit={org.haidian.pk}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Employee number" and len(rows) == 21


def test_the_assignment_list_and_api_list_keep_their_query_counts_flat(org: Any, trainer: Any,
                                                                       login_client: Any) -> None:
    client = login_client(trainer)
    course = make_course(org.beijing)
    assign(make_employee(org.haidian), course=course, due=dt.date(2026, 1, 5))
    _, token = account_services.token_create(actor=trainer, name="t", read_only=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.get("/training/assignments/?status=overdue")
    client.get("/api/v1/training/assignments", **headers)  # warm up: session and token bookkeeping
    counts = []
    for extra in (0, 14):
        for _ in range(extra):
            assign(make_employee(org.haidian), course=course, due=dt.date(2026, 1, 5))
        with CaptureQueriesContext(connection) as page:
            assert client.get("/training/assignments/?status=overdue").status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert client.get("/api/v1/training/assignments", **headers).status_code == 200
        counts.append((len(page), len(api)))
    assert counts[0] == counts[1]
    body = client.get("/api/v1/training/assignments?status=overdue", **headers).json()
    assert body["count"] == 15


def test_the_scorecard_page_exports_to_excel_with_a_constant_number_of_queries(org: Any, trainer: Any,
                                                                               login_client: Any) -> None:
    client = login_client(trainer)
    make_employee(org.haidian, number="H0")
    client.get("/training/scorecards/?year=2026")  # warm up the session
    with CaptureQueriesContext(connection) as few:
        client.get("/training/scorecards/?year=2026")
    for i in range(1, 12):
        make_employee(org.haidian, number=f"H{i}")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/training/scorecards/?year=2026").content.decode()
    assert len(many) == len(few) and "H11" in html
    export = client.get("/training/scorecards/?year=2026&format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][11] == "Risk-awareness score" and rows[0][-1] == "Corrective actions overdue"
    assert len(rows) == 13


def test_bad_page_input_is_a_clear_400_or_form_error(org: Any, trainer: Any, login_client: Any) -> None:
    client = login_client(trainer)
    response = client.post("/training/courses/new/", {"org_unit": org.shanghai.pk, "code": "X", "title": "x",
                                                      "category": "aml", "duration_minutes": 10})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert not Course.objects.filter(code="X").exists()
    assert client.get("/training/scorecards/?year=abc").status_code == 200
    assert re.search(r"Staff scorecards · \d{4}", client.get("/training/scorecards/?year=99999").content.decode())


def test_a_bank_exam_and_course_of_another_branch_are_not_found(org: Any, login_client: Any,
                                                                make_user: Any) -> None:
    bank = make_bank(org.shanghai)
    exam = make_exam(org.shanghai, bank=bank)
    course = make_course(org.shanghai)
    client = login_client(make_user(Role.TRAINER, unit="beijing"))
    for path in (f"/training/banks/{bank.pk}/", f"/training/exams/{exam.pk}/", f"/training/courses/{course.pk}/"):
        assert client.get(path).status_code == 404


def test_the_pages_speak_chinese_to_a_chinese_browser(examinee: Any, login_client: Any) -> None:
    from django.utils import translation

    client = login_client(examinee.user)
    with translation.override("zh-hans"):
        html = client.get("/training/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的培训" in html and "参加考试" in html
