"""The complaint lifecycle: each step's rules, refusals, the audit it writes, and personal data at rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.service import clock, selectors, services
from finassure.service.models import Compensation, Complaint, Survey
from tests.service.factories import PHONE, handled, make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="beijing")


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")


def test_personal_data_is_encrypted_in_the_table_and_found_by_phone(org: Any, agent: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    with connection.cursor() as cursor:
        cursor.execute("SELECT complainant_name, complainant_phone, complainant_id_number FROM service_complaint "
                       "WHERE id = %s", [complaint.pk])
        row = cursor.fetchone()
    assert all(value.startswith("fa1:") for value in row)
    assert PHONE not in " ".join(row) and "王小明" not in " ".join(row)
    found = selectors.complaint_list(actor=agent, filters=selectors.ComplaintFilter(phone="+86 138-1234-5678"))
    assert list(found) == [complaint]


def test_the_audit_trail_keeps_personal_data_masked(org: Any, agent: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    event = AuditEvent.objects.get(action="complaint.register", object_id=str(complaint.pk))
    text = str(event.changes)
    assert PHONE not in text and "王小明" not in text and "110101199003074514" not in text
    assert event.changes["complainant_phone"] == "138****5678"


def test_twenty_complainants_or_a_disaster_make_a_major_complaint(org: Any, agent: Any) -> None:
    assert not make_complaint(org.haidian, actor=agent, group_size=19).is_major
    assert make_complaint(org.haidian, actor=agent, group_size=20).is_major
    assert make_complaint(org.haidian, actor=agent, cause="public_health").is_major
    assert AuditEvent.objects.filter(action="complaint.major").count() == 2


def test_bad_input_is_refused_naming_the_fields_and_nothing_is_saved(org: Any, agent: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.complaint_register(actor=agent, org_unit=org.haidian, subject=" ", text="", product_line="nope",
                                    group_size=0, complainant_phone="12")
    assert {"subject", "text", "product_line", "group_size", "complainant_phone"} <= set(err.value.fields)
    assert not Complaint.objects.exists()


def test_a_user_outside_the_unit_cannot_register_there(org: Any, make_user: Any) -> None:
    outsider = make_user(Role.SERVICE_AGENT, unit="shanghai")
    with pytest.raises(PermissionDenied):
        make_complaint(org.haidian, actor=outsider)


def test_the_full_lifecycle_with_a_pause_meets_both_clocks_and_opens_a_survey(org: Any, agent: Any) -> None:
    start = timezone.now() - dt.timedelta(days=20)
    complaint = make_complaint(org.haidian, actor=agent, received_at=start)
    services.complaint_accept(actor=agent, complaint=complaint, at=start + dt.timedelta(hours=1))
    services.complaint_pause(actor=agent, complaint=complaint, reason="appraisal", customer_notified=True,
                             at=start + dt.timedelta(days=2))
    services.complaint_resume(actor=agent, complaint=complaint, at=start + dt.timedelta(days=7))
    services.complaint_decide(actor=agent, complaint=complaint, facts="f", basis="b", reasons="r", remedies="m",
                              at=start + dt.timedelta(days=17))
    services.complaint_notify(actor=agent, complaint=complaint, method="letter", reference="函2026-1",
                              at=start + dt.timedelta(days=17, hours=1))
    services.complaint_close(actor=agent, complaint=complaint, at=start + dt.timedelta(days=18))
    complaint.refresh_from_db()
    sla, regulatory = complaint.clocks()
    # 17 days after acceptance would be late, but 5 paused days are not counted.
    assert regulatory.state == clock.MET and regulatory.paused_for == dt.timedelta(days=5)
    assert sla.state == clock.BREACHED and complaint.handling_hours == 18 * 24
    assert complaint.status == Complaint.Status.CLOSED
    assert Survey.objects.filter(complaint=complaint, kind="complaint_handling").count() == 1
    actions = set(AuditEvent.objects.filter(object_id=str(complaint.pk), object_type="service.complaint")
                  .values_list("action", flat=True))
    assert {"complaint.accept", "complaint.pause", "complaint.resume", "complaint.decide", "complaint.close"} <= actions


def test_a_decision_needs_facts_basis_reasons_and_remedies(org: Any, agent: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    services.complaint_accept(actor=agent, complaint=complaint)
    with pytest.raises(ValidationFailed) as err:
        services.complaint_decide(actor=agent, complaint=complaint, facts="f", basis="", reasons=" ", remedies="")
    assert set(err.value.fields) == {"basis", "reasons", "remedies"}
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACCEPTED


def test_closing_without_proof_of_notification_is_refused(org: Any, agent: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    services.complaint_accept(actor=agent, complaint=complaint)
    services.complaint_decide(actor=agent, complaint=complaint, facts="f", basis="b", reasons="r", remedies="m")
    with pytest.raises(Conflict):
        services.complaint_close(actor=agent, complaint=complaint)


def test_the_staff_member_complained_about_may_not_handle_it(org: Any, agent: Any, make_user: Any) -> None:
    other = make_user(Role.SERVICE_AGENT, unit="beijing")
    complaint = make_complaint(org.haidian, actor=other, respondent=agent)
    with pytest.raises(PermissionDenied):
        services.complaint_accept(actor=agent, complaint=complaint)
    with pytest.raises(ValidationFailed) as err:
        services.complaint_assign(actor=other, complaint=complaint, handler=agent)
    assert "handler" in err.value.fields
    services.complaint_accept(actor=other, complaint=complaint)


def test_a_pause_is_for_appraisal_or_mediation_with_the_customer_told(org: Any, agent: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    services.complaint_accept(actor=agent, complaint=complaint)
    with pytest.raises(ValidationFailed):
        services.complaint_pause(actor=agent, complaint=complaint, reason="holiday", customer_notified=True)
    with pytest.raises(ValidationFailed):
        services.complaint_pause(actor=agent, complaint=complaint, reason="mediation", customer_notified=False)


def test_the_second_extension_needs_a_senior_who_is_not_the_handler(org: Any, agent: Any, officer: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    services.complaint_accept(actor=agent, complaint=complaint)
    services.complaint_extend(actor=agent, complaint=complaint, reason="情况复杂")
    with pytest.raises(PermissionDenied):
        services.complaint_extend(actor=agent, complaint=complaint, reason="特别复杂")
    services.complaint_extend(actor=officer, complaint=complaint, reason="特别复杂")
    with pytest.raises(Conflict):
        services.complaint_extend(actor=officer, complaint=complaint, reason="again")
    complaint.refresh_from_db()
    accepted = timezone.localtime(complaint.accepted_at).date()
    assert timezone.localtime(complaint.regulatory_due_at).date() == accepted + dt.timedelta(days=61)


def test_a_recheck_is_a_linked_sub_case_with_another_handler_within_30_days(org: Any, agent: Any,
                                                                            make_user: Any) -> None:
    start = timezone.now() - dt.timedelta(days=10)
    complaint = handled(make_complaint(org.haidian, actor=agent, received_at=start), agent, start=start,
                        decide_after=dt.timedelta(days=2), close_after=dt.timedelta(days=3))
    sub = services.complaint_recheck(actor=agent, complaint=complaint, note="客户不认可处理结果")
    assert sub.recheck_of == complaint and sub.complainant_phone == PHONE
    with pytest.raises(PermissionDenied):
        services.complaint_accept(actor=agent, complaint=sub)
    services.complaint_accept(actor=make_user(Role.SERVICE_AGENT, unit="beijing"), complaint=sub)
    sub.refresh_from_db()
    assert sub.regulatory.allowed > dt.timedelta(days=30)
    with pytest.raises(Conflict):
        services.complaint_extend(actor=agent, complaint=sub, reason="x")


def test_a_recheck_after_30_days_is_refused(org: Any, agent: Any) -> None:
    start = timezone.now() - dt.timedelta(days=40)
    complaint = handled(make_complaint(org.haidian, actor=agent, received_at=start), agent, start=start,
                        decide_after=dt.timedelta(days=2), close_after=dt.timedelta(days=3))
    with pytest.raises(Conflict):
        services.complaint_recheck(actor=agent, complaint=complaint)


def test_events_cannot_go_back_in_time(org: Any, agent: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    with pytest.raises(ValidationFailed):
        services.complaint_accept(actor=agent, complaint=complaint, at=timezone.now() - dt.timedelta(days=1))


def test_reveal_needs_the_unmask_permission_and_is_audited_without_the_values(org: Any, agent: Any,
                                                                              officer: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    with pytest.raises(PermissionDenied):
        services.complaint_reveal(actor=agent, complaint=complaint)
    values = services.complaint_reveal(actor=officer, complaint=complaint)
    assert values["complainant_phone"] == PHONE
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.actor == officer and PHONE not in str(event.detail) and "complainant_phone" in event.detail["fields"]


def test_compensation_is_proposed_by_one_person_and_approved_by_another(org: Any, agent: Any, officer: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    item = services.compensation_propose(actor=officer, complaint=complaint, amount=500, reason="手续费退还")
    with pytest.raises(PermissionDenied):
        services.compensation_decide(actor=officer, compensation=item, approve=True)
    with pytest.raises(PermissionDenied):
        services.compensation_decide(actor=agent, compensation=item, approve=True)
    other = services.compensation_propose(actor=agent, complaint=complaint, amount=200, reason="补偿")
    services.compensation_decide(actor=officer, compensation=other, approve=True)
    with pytest.raises(ValidationFailed):
        services.compensation_pay(actor=agent, compensation=other, evidence="")
    services.compensation_pay(actor=agent, compensation=other, evidence="转账流水 T123")
    assert Compensation.objects.get(pk=other.pk).status == Compensation.Status.PAID


def test_a_survey_is_answered_once_with_a_rating_from_1_to_5(org: Any) -> None:
    survey = services.survey_create(kind="service", org_unit=org.haidian, touch_point="柜面")
    with pytest.raises(ValidationFailed):
        services.survey_answer(token=survey.token, rating=6)
    services.survey_answer(token=survey.token, rating=5, comment="很好")
    with pytest.raises(Conflict):
        services.survey_answer(token=survey.token, rating=1)
    assert Survey.objects.get(pk=survey.pk).satisfied is True


def test_the_list_is_scoped_to_the_callers_units(org: Any, agent: Any, make_user: Any) -> None:
    make_complaint(org.haidian, actor=agent)
    shanghai_agent = make_user(Role.SERVICE_AGENT, unit="shanghai")
    make_complaint(org.shanghai, actor=shanghai_agent)
    assert selectors.complaint_list(actor=agent).count() == 1
    assert selectors.complaint_list(actor=shanghai_agent).count() == 1


def test_a_root_cause_raises_a_corrective_action_in_the_framework_loop(org: Any, agent: Any) -> None:
    from finassure.framework import selectors as framework_selectors

    complaint = make_complaint(org.haidian, actor=agent)
    with pytest.raises(ValidationFailed):
        services.complaint_remediate(actor=agent, complaint=complaint, title="整改", owner=agent,
                                     due=dt.date.today() + dt.timedelta(days=30))
    services.complaint_set_root_cause(actor=agent, complaint=complaint, root_cause="sales_process")
    action = services.complaint_remediate(actor=agent, complaint=complaint, title="整改：理财销售双录",
                                          owner=agent, due=dt.date.today() + dt.timedelta(days=30))
    assert list(framework_selectors.corrective_actions_for(source=complaint)) == [action]
    assert action.org_unit == complaint.org_unit
    assert AuditEvent.objects.filter(action="complaint.remediate", object_id=str(complaint.pk)).exists()


def test_a_major_complaint_emails_the_consumer_protection_officers(org: Any, agent: Any, make_user: Any,
                                                                   django_capture_on_commit_callbacks: Any,
                                                                   mailoutbox: Any) -> None:
    make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing", email="cpo@bank.example")
    make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="shanghai", email="other@bank.example")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = make_complaint(org.haidian, actor=agent, group_size=35)
    assert [m.to for m in mailoutbox] == [["cpo@bank.example"]]
    assert complaint.tracking_number in mailoutbox[0].subject and PHONE not in mailoutbox[0].body


def test_a_withdrawn_complaint_stops_both_clocks(org: Any, agent: Any) -> None:
    start = timezone.now() - dt.timedelta(days=3)
    complaint = make_complaint(org.haidian, actor=agent, received_at=start)
    services.complaint_accept(actor=agent, complaint=complaint, at=start + dt.timedelta(hours=1))
    services.complaint_note(actor=agent, complaint=complaint, note="客户来电补充材料", request_info=True)
    services.complaint_withdraw(actor=agent, complaint=complaint, note="客户撤回")
    complaint.refresh_from_db()
    sla, regulatory = complaint.clocks(timezone.now() + dt.timedelta(days=60))
    assert complaint.status == Complaint.Status.WITHDRAWN
    assert sla.state == clock.BREACHED and regulatory.state == clock.MET  # 3 days ≤ 15 days, > 48 hours
    with pytest.raises(Conflict):
        services.complaint_decide(actor=agent, complaint=complaint, facts="f", basis="b", reasons="r", remedies="m")


def test_the_sla_breached_filter_finds_open_and_late_closed_complaints(org: Any, agent: Any) -> None:
    start = timezone.now() - dt.timedelta(days=5)
    late_open = make_complaint(org.haidian, actor=agent, received_at=start)
    late_closed = handled(make_complaint(org.haidian, actor=agent, received_at=start), agent, start=start,
                          decide_after=dt.timedelta(hours=50), close_after=dt.timedelta(hours=60))
    on_time = handled(make_complaint(org.haidian, actor=agent, received_at=start), agent, start=start,
                      decide_after=dt.timedelta(hours=10), close_after=dt.timedelta(hours=20))
    found = set(selectors.complaint_list(actor=agent, filters=selectors.ComplaintFilter(clock="sla_breached")))
    assert found == {late_open, late_closed} and on_time not in found


def test_a_closed_suggestion_cannot_be_rechecked(org: Any, agent: Any) -> None:
    suggestion = make_complaint(org.haidian, actor=agent, kind="suggestion", subject="建议延长营业时间")
    services.complaint_close(actor=agent, complaint=suggestion)
    assert not Survey.objects.filter(complaint=suggestion).exists()
    with pytest.raises(Conflict):
        services.complaint_recheck(actor=agent, complaint=suggestion)
