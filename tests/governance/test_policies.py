"""Policies: the version workflow with its four eyes, coverage, attestation, positions and regulations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.governance import selectors, services
from finassure.governance.models import Attestation, Policy, PolicyVersion, Regulation
from finassure.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.governance import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _new_policy(author: Any, org: Any, **kwargs: Any) -> Policy:
    defaults: dict[str, Any] = {"org_unit": org.beijing, "code": "BJ-ZD-001", "title": "柜面业务管理办法",
                                "kind": Policy.Kind.RULES, "body": "第一条 为规范柜面业务……\n第二条 适用范围。"}
    return services.policy_create(actor=author, **{**defaults, **kwargs})


def _to_effective(policy: Policy, author: Any, approver: Any, on: dt.date = TODAY) -> PolicyVersion:
    version = policy.versions.get(status="draft")
    services.policy_version_submit(actor=author, version=version)
    services.policy_version_review(actor=approver, version=version, accept=True, comment="同意")
    services.policy_version_approve(actor=approver, version=version)
    return services.policy_version_publish(actor=author, version=version, effective_from=on)


def test_a_new_policy_starts_as_a_draft_written_by_its_author(org: Any, author: Any) -> None:
    policy = _new_policy(author, org)
    version = policy.versions.get()
    assert (version.number, version.status, version.author) == (1, "draft", author)
    assert policy.effective_version is None
    assert AuditEvent.objects.filter(action="policy.create", object_id=str(policy.pk)).exists()


def test_it_goes_from_draft_to_effective_with_review_and_approval_recorded(org: Any, author: Any,
                                                                          approver: Any) -> None:
    policy = _new_policy(author, org)
    version = _to_effective(policy, author, approver)
    policy.refresh_from_db()
    assert policy.effective_version == version
    assert (version.status, version.reviewer, version.approver) == ("effective", approver, approver)
    assert version.reviewed_at is not None and version.approved_at is not None
    actions = set(AuditEvent.objects.filter(object_id=str(version.pk), object_type="governance.policyversion")
                  .values_list("action", flat=True))
    assert {"policy_version.submit", "policy_version.review", "policy_version.approve",
            "policy_version.publish"} <= actions


def test_a_new_version_supersedes_the_one_in_force(org: Any, author: Any, approver: Any) -> None:
    policy = _new_policy(author, org)
    first = _to_effective(policy, author, approver, on=TODAY - dt.timedelta(days=10))
    second = services.policy_version_create(actor=author, policy=policy, body="第一条 修订。", change_summary="修订")
    assert second.number == 2
    _to_effective(policy, author, approver, on=TODAY)
    first.refresh_from_db()
    policy.refresh_from_db()
    assert (first.status, first.ended_on) == ("superseded", TODAY)
    assert policy.effective_version == second


def test_it_refuses_approving_or_reviewing_ones_own_draft(org: Any, author: Any, approver: Any) -> None:
    policy = _new_policy(author, org)
    version = policy.versions.get()
    services.policy_version_submit(actor=author, version=version)
    with pytest.raises(PermissionDenied):
        services.policy_version_review(actor=author, version=version, accept=True)
    services.policy_version_review(actor=approver, version=version, accept=True)
    with pytest.raises(PermissionDenied):
        services.policy_version_approve(actor=author, version=version)
    version.refresh_from_db()
    assert version.status == "review" and version.approver is None


def test_the_database_refuses_an_approver_who_is_the_author(org: Any, author: Any) -> None:
    version = _new_policy(author, org).versions.get()
    version.approver = author
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()


def test_it_refuses_approval_before_review(org: Any, author: Any, approver: Any) -> None:
    version = _new_policy(author, org).versions.get()
    services.policy_version_submit(actor=author, version=version)
    with pytest.raises(Conflict):
        services.policy_version_approve(actor=approver, version=version)


def test_a_returned_draft_needs_a_reason_and_goes_back_to_draft(org: Any, author: Any, approver: Any) -> None:
    version = _new_policy(author, org).versions.get()
    services.policy_version_submit(actor=author, version=version)
    with pytest.raises(ValidationFailed):
        services.policy_version_review(actor=approver, version=version, accept=False, comment=" ")
    services.policy_version_review(actor=approver, version=version, accept=False, comment="第二条表述不清")
    version.refresh_from_db()
    assert (version.status, version.review_comment) == ("draft", "第二条表述不清")


def test_only_one_version_is_worked_on_at_a_time(org: Any, author: Any) -> None:
    policy = _new_policy(author, org)
    with pytest.raises(Conflict):
        services.policy_version_create(actor=author, policy=policy, body="x", change_summary="y")
    assert policy.versions.count() == 1


def test_a_new_version_cannot_take_effect_before_the_one_in_force(org: Any, author: Any, approver: Any) -> None:
    policy = _new_policy(author, org)
    _to_effective(policy, author, approver, on=TODAY)
    services.policy_version_create(actor=author, policy=policy, body="第一条 修订。", change_summary="修订")
    with pytest.raises(ValidationFailed):
        _to_effective(policy, author, approver, on=TODAY - dt.timedelta(days=1))
    assert policy.versions.filter(status="effective").get().number == 1


def test_it_refuses_a_process_of_another_business_line_and_saves_nothing(org: Any, author: Any) -> None:
    line = f.line(org.beijing, "banking")
    securities = f.line(org.beijing, "securities")
    org.beijing.business_line = line
    org.beijing.save()
    brokerage = f.make_process(org.beijing, kind="securities")
    assert brokerage.business_line == securities
    with pytest.raises(ValidationFailed) as exc:
        _new_policy(author, org, processes=[brokerage])
    assert "processes" in exc.value.fields
    assert not Policy.objects.exists()


def test_a_policy_of_a_unit_without_business_line_may_cover_any_line(org: Any, author: Any) -> None:
    brokerage = f.make_process(org.beijing, kind="securities")
    policy = _new_policy(author, org, processes=[brokerage])
    assert list(policy.processes.all()) == [brokerage]


def test_the_diff_shows_removed_and_added_lines(org: Any, author: Any) -> None:
    policy = f.make_policy(org.beijing, body="第一条 总则。\n第二条 职责。\n第三条 附则。")
    new = policy.versions.create(number=2, body="第一条 总则。\n第二条 职责分工。\n第三条 附则。",
                                 author=policy.versions.get().author)
    lines = selectors.version_diff(old=policy.versions.get(number=1), new=new)
    assert ("-", "第二条 职责。") in lines and ("+", "第二条 职责分工。") in lines
    assert ("-", "第一条 总则。") not in lines


def test_coverage_counts_active_processes_with_a_policy_in_force(org: Any) -> None:
    a, b, c = (f.make_process(org.beijing) for _ in range(3))
    inactive = f.make_process(org.haidian, is_active=False)
    f.make_policy(org.beijing, processes=[a])
    f.make_policy(org.beijing, status="draft", processes=[b])
    f.make_policy(org.beijing, processes=[inactive])
    f.make_process(org.shanghai)  # outside the units asked about
    coverage = selectors.coverage_for_units(units=[org.beijing, org.haidian])
    assert (coverage.covered, coverage.total) == (1, 3)
    assert coverage.percent == pytest.approx(100 / 3)
    assert {p.pk for p in coverage.gaps} == {b.pk, c.pk}


def test_a_retired_policy_no_longer_covers_its_processes(org: Any, author: Any) -> None:
    process = f.make_process(org.beijing)
    policy = f.make_policy(org.beijing, processes=[process])
    assert selectors.coverage_for_units(units=[org.beijing]).covered == 1
    services.policy_retire(actor=author, policy=policy, on=TODAY)
    assert selectors.coverage_for_units(units=[org.beijing], day=TODAY).covered == 0
    assert selectors.coverage_for_units(units=[org.beijing], day=TODAY - dt.timedelta(days=1)).covered == 1


def test_coverage_without_processes_is_no_data_not_zero(org: Any) -> None:
    assert selectors.coverage_for_units(units=[org.beijing]).percent is None


def test_publishing_assigns_the_policy_to_holders_of_its_positions(org: Any, author: Any, approver: Any,
                                                                  make_user: Any) -> None:
    teller, clerk = make_user(Role.EMPLOYEE, unit="haidian"), make_user(Role.EMPLOYEE, unit="beijing")
    bystander = make_user(Role.EMPLOYEE, unit="beijing")
    counter = f.make_position(org.haidian, holders=[teller, clerk])
    f.make_position(org.beijing, holders=[bystander])
    policy = _new_policy(author, org, positions=[counter])
    version = _to_effective(policy, author, approver)
    assert set(version.attestations.values_list("user_id", flat=True)) == {teller.pk, clerk.pk}
    attestation = version.attestations.get(user=teller)
    assert attestation.org_unit == org.haidian
    services.attestation_confirm(actor=teller, attestation=attestation)
    with pytest.raises(Conflict):
        services.attestation_confirm(actor=teller, attestation=attestation)
    with pytest.raises(PermissionDenied):
        services.attestation_confirm(actor=bystander, attestation=version.attestations.get(user=clerk))
    completion = {c.unit.pk: (c.confirmed, c.assigned) for c in
                  selectors.attestation_completion(actor=author, version=version)}
    assert completion == {org.beijing.pk: (0, 1), org.haidian.pk: (1, 1)}


def test_staff_see_only_their_own_attestations(org: Any, make_user: Any) -> None:
    mine, other = make_user(Role.EMPLOYEE), make_user(Role.EMPLOYEE)
    own = f.make_attestation(mine)
    f.make_attestation(other)
    assert list(selectors.my_attestations(user=mine)) == [own]
    with pytest.raises(NotFound):
        selectors.attestation_get_own(user=other, pk=own.pk)


def test_one_person_holding_incompatible_positions_is_flagged(org: Any, author: Any, make_user: Any) -> None:
    both, one = make_user(Role.EMPLOYEE), make_user(Role.EMPLOYEE)
    maker = f.make_position(org.beijing, holders=[both, one])
    checker = f.make_position(org.beijing, holders=[both])
    services.incompatible_duty_create(actor=author, first=checker, second=maker, reason="经办与复核不得兼任")
    conflicts = selectors.duty_conflicts(actor=author)
    assert [(c.user, c.pair.reason) for c in conflicts] == [(both, "经办与复核不得兼任")]
    with pytest.raises(ValidationFailed):
        services.incompatible_duty_create(actor=author, first=maker, second=checker)
    with pytest.raises(ValidationFailed):
        services.incompatible_duty_create(actor=author, first=maker, second=maker)


def test_the_four_regulations_are_preloaded_with_their_key_articles(author: Any) -> None:
    codes = dict(Regulation.objects.values_list("code", "title"))
    assert set(codes) == {"pboc-2016-3", "cbirc-2020-3", "jrt-0171-2020", "gbt-22239-2019"}
    complaints = Regulation.objects.get(code="cbirc-2020-3")
    assert "15日" in complaints.articles.get(number="第十八条").summary
    assert selectors.article_gaps(actor=author).count() == sum(
        r.articles.count() for r in Regulation.objects.all())


def test_mapping_an_article_to_a_policy_closes_its_gap(org: Any, author: Any) -> None:
    policy = f.make_policy(org.beijing)
    article = Regulation.objects.get(code="cbirc-2020-3").articles.get(number="第十八条")
    services.article_map(actor=author, article=article, policy=policy)
    assert article not in selectors.article_gaps(actor=author)
    row = selectors.regulation_list(actor=author).get(code="cbirc-2020-3")
    assert (row.article_count - row.gap_count) == 1


def test_a_policy_outside_the_callers_units_does_not_exist_for_them(org: Any, make_user: Any) -> None:
    policy = f.make_policy(org.haidian)
    outsider = make_user(Role.QUALITY_MANAGER, unit="shanghai")
    assert policy not in selectors.policy_list(actor=outsider)
    with pytest.raises(NotFound):
        selectors.policy_get(actor=outsider, pk=policy.pk)
    with pytest.raises(PermissionDenied):
        services.policy_version_create(actor=outsider, policy=policy, body="x", change_summary="y")


def test_auditors_read_policies_but_cannot_edit_them(org: Any, auditor: Any) -> None:
    policy = f.make_policy(org.beijing)
    assert selectors.policy_get(actor=auditor, pk=policy.pk) == policy
    with pytest.raises(PermissionDenied):
        services.policy_version_create(actor=auditor, policy=policy, body="x", change_summary="y")


def test_a_periodic_review_sets_the_next_review_date(org: Any, author: Any, approver: Any) -> None:
    policy = f.make_policy(org.beijing)
    next_year = TODAY + dt.timedelta(days=365)
    services.policy_review_record(actor=approver, policy=policy, reviewed_on=TODAY, outcome="keep",
                                  next_review=next_year)
    policy.refresh_from_db()
    assert policy.review_due == next_year
    with pytest.raises(ValidationFailed):
        services.policy_review_record(actor=approver, policy=policy, reviewed_on=TODAY, outcome="keep",
                                      next_review=TODAY)
    draft = f.make_policy(org.beijing, status="draft")
    with pytest.raises(Conflict):
        services.policy_review_record(actor=approver, policy=draft, reviewed_on=TODAY, outcome="keep",
                                      next_review=next_year)


def test_default_processes_are_seeded_once_per_business_line(org: Any, author: Any) -> None:
    line = f.line(org.beijing, "insurance")
    created = services.process_seed_defaults(actor=author, org_unit=org.beijing, business_line=line)
    assert {"underwriting", "claims", "aml"} <= {p.code for p in created}
    assert services.process_seed_defaults(actor=author, org_unit=org.beijing, business_line=line) == []


def test_an_attestation_is_unique_per_person_and_version(org: Any, make_user: Any) -> None:
    attestation = f.make_attestation(make_user(Role.EMPLOYEE))
    with pytest.raises(IntegrityError), transaction.atomic():
        Attestation.objects.create(version=attestation.version, user=attestation.user, org_unit=org.beijing)


def test_a_newcomer_to_a_position_is_asked_to_read_the_policies_in_force(org: Any, author: Any,
                                                                         make_user: Any) -> None:
    old_hand, newcomer = make_user(Role.EMPLOYEE), make_user(Role.EMPLOYEE)
    position = f.make_position(org.beijing, holders=[old_hand])
    policy = f.make_policy(org.beijing, positions=[position])
    assert policy.effective_version is not None
    Attestation.objects.create(version=policy.effective_version, user=old_hand, org_unit=org.beijing)
    services.position_set_holders(actor=author, position=position, holders=[old_hand, newcomer])
    assigned = Attestation.objects.filter(version=policy.effective_version).values_list("user", flat=True)
    assert sorted(assigned) == sorted([old_hand.pk, newcomer.pk])


def test_a_branch_reads_the_policies_in_force_of_the_units_above_it_not_their_drafts(
        org: Any, make_user: Any, login_client: Any) -> None:
    in_force = f.make_policy(org.head)  # 总行 issues it; it binds the branches
    draft = f.make_policy(org.head, status="draft")
    other_branch = f.make_policy(org.shanghai)
    PolicyVersion.objects.create(policy=in_force, number=2, body="第一条 修订中。", author=f.make_author(org.head))
    employee = make_user(Role.EMPLOYEE, unit="haidian")
    visible = set(selectors.policy_list(actor=employee))
    assert in_force in visible and draft not in visible and other_branch not in visible
    client = login_client(employee)
    page = client.get(in_force.get_absolute_url())
    assert page.status_code == 200
    assert [v.number for v in page.context["versions"]] == [1]  # the draft of version 2 stays with 总行
    assert client.get(draft.get_absolute_url()).status_code == 404
    v2 = in_force.versions.get(number=2)
    with pytest.raises(NotFound):
        selectors.policy_version_get(actor=employee, pk=v2.pk)
    assert selectors.policy_version_get(actor=employee, pk=in_force.effective_version_id) == in_force.effective_version
    manager = make_user(Role.QUALITY_MANAGER, unit="haidian")  # reads it, but may not change it
    assert in_force in set(selectors.policy_list(actor=manager))
    with pytest.raises(NotFound):
        selectors.policy_get(actor=manager, pk=in_force.pk, perm="governance.manage_policy")
