"""The demo seeds realistic complaints through the real services, and running it twice adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.service.models import Complaint, FaqArticle, Survey

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_handled_and_open_complaints_once(monkeypatch: Any) -> None:
    from finassure.accounts.demo import seed_organisation
    from finassure.service.demo import seed_service

    monkeypatch.setenv("FINASSURE_DEMO_COMPLAINTS", "40")
    ctx: dict[str, Any] = {}
    seed_organisation(ctx)
    seed_service(ctx)
    complaints = Complaint.objects.filter(external_id__startswith="DEMO-")
    assert complaints.count() == 40
    assert complaints.filter(status=Complaint.Status.CLOSED).exists()
    assert complaints.exclude(status=Complaint.Status.CLOSED).exists()
    assert len({c.org_unit_id for c in complaints}) >= 3
    assert Survey.objects.filter(responded_at__isnull=False).exists() and FaqArticle.objects.count() >= 5
    seed_service(ctx)
    assert Complaint.objects.filter(external_id__startswith="DEMO-").count() == 40
