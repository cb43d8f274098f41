"""The demo steps of incidents and security seed realistic records, idempotently."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.accounts import demo as accounts_demo
from finassure.incidents import demo as incidents_demo
from finassure.incidents.models import Drill, EmergencyPlan, Grade, Incident, Status
from finassure.security import demo as security_demo
from finassure.security.models import Scan, Vulnerability

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_year_of_incidents_plans_drills_and_scans_once() -> None:
    ctx: dict[str, Any] = {}
    accounts_demo.seed_organisation(ctx)
    for _ in range(2):
        incidents_demo.seed_incidents(ctx)
        security_demo.seed_security(ctx)
    assert Incident.objects.count() == len(incidents_demo.INCIDENTS) + 2
    assert set(Incident.objects.values_list("grade", flat=True)) == {Grade.MAJOR, Grade.SERIOUS, Grade.GENERAL}
    assert Incident.objects.filter(status=Status.CLOSED).count() == len(incidents_demo.INCIDENTS) - 1
    assert Incident.objects.filter(status=Status.UNDER_REVIEW).count() == 1
    assert EmergencyPlan.objects.count() == 2
    assert Drill.objects.filter(state=Drill.State.COMPLETED).count() == 2
    assert Scan.objects.count() == 3
    # the re-test confirmed Log4j and TLS 1.0 fixed and found the camera
    assert Vulnerability.objects.filter(status="fixed").count() == 2
    assert Vulnerability.objects.filter(identifier="CVE-2017-7921@80/tcp", status="open").exists()
