"""Corrective actions: the shared loop every module raises into, its lifecycle and separation of duties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from finassure.accounts.roles import Role
from finassure.framework import selectors, services
from finassure.framework.models import CorrectiveAction, Notification
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 12, 31)


def _open(org: Any, owner: Any, source: Any = None, actor: Any = None) -> CorrectiveAction:
    return services.corrective_action_open(actor=actor, source=source, title="整改：投诉处理超时",
                                           description="溯源整改", owner=owner, due=DUE, org_unit=org.haidian)


def test_an_action_links_to_any_source_record(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="owner@example.cn")
    source = make_user(Role.EMPLOYEE, unit="haidian")  # any model instance will do
    action = _open(org, owner, source=source)
    assert action.source == source and action.source_repr == str(source)
    assert list(selectors.corrective_actions_for(source=source)) == [action]
    assert selectors.open_corrective_actions_for(source=source).exists()
    assert not selectors.corrective_actions_for(source=owner).exists()
    assert AuditEvent.objects.filter(action="corrective_action.open", object_id=str(action.pk)).exists()


def test_the_owner_is_notified_in_app_and_by_mail(org: Any, make_user: Any, django_capture_on_commit_callbacks: Any
                                                  ) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="owner@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        action = _open(org, owner)
    note = Notification.objects.get(recipient=owner)
    assert note.kind == "assigned" and note.url == action.get_absolute_url()
    assert len(mail.outbox) == 1 and "owner@example.cn" in mail.outbox[0].to


def test_raising_by_hand_needs_the_permission_there(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    with pytest.raises(PermissionDenied):
        _open(org, owner, actor=make_user(Role.QUALITY_MANAGER, unit="shanghai"))
    assert _open(org, owner, actor=make_user(Role.QUALITY_MANAGER, unit="beijing")).raised_by is not None


def test_bad_input_is_refused_and_nothing_saved(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    with pytest.raises(ValidationFailed) as exc:
        services.corrective_action_open(actor=None, source=None, title="  ", owner=owner, due=DUE,
                                        org_unit=org.haidian)
    assert "title" in exc.value.fields
    owner.is_active = False
    owner.save()
    with pytest.raises(ValidationFailed):
        _open(org, owner)
    assert not CorrectiveAction.objects.exists()


def test_the_full_loop_needs_someone_other_than_the_owner(org: Any, make_user: Any) -> None:
    owner = make_user(Role.QUALITY_MANAGER, unit="haidian")  # even a verifier may not verify their own action
    verifier = make_user(Role.INTERNAL_AUDITOR, unit="beijing")
    source = make_user(Role.EMPLOYEE, unit="haidian")
    action = _open(org, owner, source=source)
    action = services.corrective_action_start(actor=owner, action=action)
    assert action.status == "in_progress"
    action = services.corrective_action_complete(actor=owner, action=action, note="修订流程，培训坐席")
    assert action.status == "done"
    with pytest.raises(PermissionDenied, match="separation of duties"):
        services.corrective_action_verify(actor=owner, action=action, effective=True, note="自查")
    with pytest.raises(PermissionDenied):
        services.corrective_action_close(actor=owner, action=action)
    action = services.corrective_action_verify(actor=verifier, action=action, effective=True, note="抽查20笔，均合规")
    assert action.status == "verified" and action.verified_by == verifier
    assert selectors.open_corrective_actions_for(source=source).exists()  # verified is not yet closed
    action = services.corrective_action_close(actor=verifier, action=action)
    assert action.status == "closed" and action.closed_at is not None
    assert not selectors.open_corrective_actions_for(source=source).exists()
    verbs = set(AuditEvent.objects.filter(object_id=str(action.pk), object_type="framework.correctiveaction")
                .values_list("action", flat=True))
    assert verbs == {"corrective_action.open", "corrective_action.start", "corrective_action.complete",
                     "corrective_action.verify", "corrective_action.close"}


def test_failed_verification_reopens_the_action(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    verifier = make_user(Role.RISK_MANAGER, unit="beijing")
    action = services.corrective_action_complete(actor=owner, action=_open(org, owner), note="已整改")
    action = services.corrective_action_verify(actor=verifier, action=action, effective=False, note="仍有超时")
    assert action.status == "in_progress" and action.reopen_count == 1 and action.completed_at is None
    assert Notification.objects.filter(recipient=owner, kind="reopened").exists()


def test_steps_out_of_order_are_conflicts(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    verifier = make_user(Role.INTERNAL_AUDITOR, unit="beijing")
    action = _open(org, owner)
    with pytest.raises(Conflict):
        services.corrective_action_close(actor=verifier, action=action)
    with pytest.raises(Conflict):
        services.corrective_action_verify(actor=verifier, action=action, effective=True, note="x")


def test_only_the_owner_or_a_manager_works_on_an_action(org: Any, make_user: Any) -> None:
    action = _open(org, make_user(Role.EMPLOYEE, unit="haidian"))
    with pytest.raises(PermissionDenied):
        services.corrective_action_start(actor=make_user(Role.EMPLOYEE, unit="haidian"), action=action)
    with pytest.raises(PermissionDenied):
        services.corrective_action_start(actor=make_user(Role.QUALITY_MANAGER, unit="shanghai"), action=action)
    assert services.corrective_action_start(actor=make_user(Role.QUALITY_MANAGER, unit="beijing"),
                                            action=action).status == "in_progress"


def test_the_database_refuses_an_owner_as_verifier(org: Any, make_user: Any) -> None:
    from django.db import IntegrityError, transaction

    owner = make_user(Role.EMPLOYEE, unit="haidian")
    action = _open(org, owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectiveAction.objects.filter(pk=action.pk).update(verified_by=owner)


def test_lists_are_scoped_but_owners_see_their_own(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="shanghai")
    action = _open(org, owner)  # in Haidian, owned by someone in Shanghai
    assert action in selectors.corrective_action_list(actor=owner)
    assert action in selectors.corrective_action_list(actor=make_user(Role.EXECUTIVE, unit="beijing"))
    assert action not in selectors.corrective_action_list(actor=make_user(Role.EXECUTIVE, unit="shanghai"))
