"""The demo seeds realistic complaints through the real services, and running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.service import clock, selectors
from finassure.service.models import Complaint, ComplaintEvent, FaqArticle, Survey

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_handled_and_open_complaints_once(monkeypatch: Any) -> None:
    from finassure.accounts.demo import seed_organisation
    from finassure.service.demo import seed_service

    monkeypatch.setenv("FINASSURE_DEMO_COMPLAINTS", "40")
    ctx: dict[str, Any] = {}
    seed_organisation(ctx)
    seed_service(ctx)
    complaints = Complaint.objects.filter(external_id__startswith="DEMO-", merged_into__isnull=True)
    assert complaints.count() == 40
    assert complaints.filter(status=Complaint.Status.CLOSED).exists()
    assert complaints.exclude(status=Complaint.Status.CLOSED).exists()
    assert len({c.org_unit_id for c in complaints}) >= 3
    assert Survey.objects.filter(responded_at__isnull=False).exists() and FaqArticle.objects.count() >= 5
    seeded = Complaint.objects.count()
    seed_service(ctx)
    assert Complaint.objects.count() == seeded


def test_the_demo_merges_a_few_repeat_complaints_counted_once(monkeypatch: Any) -> None:
    from finassure.accounts.demo import seed_organisation
    from finassure.service.demo import REPEAT_COMPLAINTS, seed_service

    monkeypatch.setenv("FINASSURE_DEMO_COMPLAINTS", "40")  # 4 still in handling: 4 repeats
    ctx: dict[str, Any] = {}
    seed_organisation(ctx)
    seed_service(ctx)
    merged = Complaint.objects.filter(status=Complaint.Status.MERGED)
    assert merged.count() == min(4, REPEAT_COMPLAINTS)
    for repeat in merged.select_related("merged_into"):
        primary = repeat.merged_into
        assert primary is not None and primary.merged_into_id is None and primary.is_open
        assert ComplaintEvent.objects.filter(complaint=primary, kind="duplicate_merged").count() == 1
        sla, regulatory = repeat.clocks()
        assert sla.state in (clock.MET, clock.BREACHED) and regulatory.state in (clock.MET, clock.BREACHED)
    now = timezone.now()
    stats = selectors.statistics(actor=ctx["users"]["cpo"], start=now - dt.timedelta(days=400),
                                 end=now + dt.timedelta(days=1))
    assert stats["total"] == 40  # the repeats are not counted: each is its primary
