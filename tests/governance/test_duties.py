"""Periodic duties: the quarter's audit plan is generated once; review and attestation reminders once a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework.models import Notification
from finassure.governance import services
from finassure.governance.models import Attestation, AuditPlan
from finassure.platform import scheduling
from tests.governance import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_the_quarters_audit_plan_is_generated_once_for_the_head_office(org: Any) -> None:
    created = services.audit_plans_generate(today=dt.date(2026, 8, 15))
    assert [(p.org_unit, p.year, p.quarter) for p in created] == [(org.head, 2026, 3)]
    assert services.audit_plans_generate(today=dt.date(2026, 9, 30)) == []
    assert AuditPlan.objects.count() == 1


def test_a_policy_due_for_review_reminds_its_author_once_a_day(org: Any) -> None:
    author = f.make_author(org.beijing)
    soon = f.make_policy(org.beijing, author=author)
    soon.review_due = TODAY + dt.timedelta(days=10)
    soon.save()
    later = f.make_policy(org.beijing, author=author)
    later.review_due = TODAY + dt.timedelta(days=90)
    later.save()
    assert services.reminders_send(today=TODAY)["policy_review"] == 1
    assert services.reminders_send(today=TODAY)["policy_review"] == 0
    note = Notification.objects.get(recipient=author)
    assert note.kind == "due_soon" and soon.code in note.title


def test_an_attestation_unread_for_a_week_reminds_its_reader(org: Any, make_user: Any) -> None:
    reader = make_user(Role.EMPLOYEE)
    old = f.make_attestation(reader)
    Attestation.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    f.make_attestation(reader)  # assigned just now: not yet
    assert services.reminders_send(today=TODAY)["attestation"] == 1
    assert Notification.objects.filter(recipient=reader, url__endswith=f"/attestations/{old.pk}/").exists()


def test_the_duties_are_scheduled_daily() -> None:
    names = {s.name: s.every for s in scheduling.schedules()}
    assert names["governance.quarterly_audit_plans"] == dt.timedelta(days=1)
    assert names["governance.reminders"] == dt.timedelta(days=1)
