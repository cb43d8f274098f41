"""The demo of risk monitoring: one scheduled run, a case, a suspicious draft and a filed large-value report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finassure.monitoring.models import Alert, Case, LargeValueReport, ReportStatus, Run, SuspiciousReport

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_alerts_a_case_and_reports(settings: Any, tmp_path: Path) -> None:
    from finassure.accounts.demo import seed_organisation
    from finassure.monitoring.demo import seed_monitoring

    settings.FINASSURE_TRANSACTION_STORE = str(tmp_path / "store")
    ctx: dict[str, Any] = {}
    seed_organisation(ctx)
    seed_monitoring(ctx)
    run = Run.objects.get()
    assert run.status == Run.Status.IMPORTED and run.trigger == Run.Trigger.SCHEDULED
    assert Alert.objects.count() > 10
    assert len(set(Alert.objects.values_list("org_unit", flat=True))) > 1  # spread over the branches
    assert Case.objects.filter(disposition="suspicious").exists()
    assert SuspiciousReport.objects.filter(status=ReportStatus.DRAFT).exists()
    filed = LargeValueReport.objects.get(status=ReportStatus.FILED)
    assert filed.drafted_by == ctx["users"]["aml"] and filed.approved_by == ctx["users"]["risk"]
    from finassure.monitoring.models import ModelVersion, RuleChange

    assert set(RuleChange.objects.values_list("rule_id", "status")) == {
        ("structuring_cash", "approved"),
        ("fan_in", "proposed"),
    }
    assert ModelVersion.objects.get().requested_role == "shadow"
    seed_monitoring(ctx)  # idempotent
    assert Run.objects.count() == 1
