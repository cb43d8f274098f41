"""Backdated and out-of-order timestamps on an incident: refused with a reason, or (backdated with a reason)
recorded with the correction on the timeline and in the audit trail — through the services and the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.incidents import services
from finassure.incidents.models import Incident, IncidentEvent
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import AuditEvent
from tests.incidents.helpers import incident_type

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _report(actor: Any, org: Any) -> Incident:
    return services.incident_report(
        actor=actor,
        org_unit=org.haidian,
        incident_type=incident_type("outage"),
        title="柜面系统中断",
        grade="serious",
        now=T0,
    )


def test_a_note_or_regulator_report_before_the_incident_was_reported_is_refused(
    org: Any, make_user: Any
) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    before = T0 - dt.timedelta(minutes=10)
    later = T0 + dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed, match="earlier than the previous stage") as exc:
        services.incident_regulator_report(
            actor=officer, incident=incident, at=before, reason="补录", now=later
        )
    assert "at" in exc.value.fields
    with pytest.raises(ValidationFailed, match="earlier than the previous stage"):
        services.incident_note_add(
            actor=officer, incident=incident, text="补记", at=before, reason="补录", now=later
        )
    incident.refresh_from_db()
    assert incident.regulator_reported_at is None
    assert not incident.events.exclude(kind=IncidentEvent.Kind.STATUS).exclude(
        text__startswith="Emergency plan"
    )


def test_a_backdated_regulator_report_needs_a_reason_and_the_correction_is_audited(
    org: Any, make_user: Any
) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    phoned = T0 + dt.timedelta(minutes=25)
    entered = T0 + dt.timedelta(hours=2)  # entered 95 minutes after the fact
    with pytest.raises(ValidationFailed) as exc:
        services.incident_regulator_report(actor=officer, incident=incident, at=phoned, now=entered)
    assert "reason" in exc.value.fields
    incident = services.incident_regulator_report(
        actor=officer, incident=incident, at=phoned, reason="电话首报监管，事后补录", now=entered
    )
    assert incident.regulator_reported_at == phoned  # within the 30-min banking IT deadline
    event = incident.events.get(kind=IncidentEvent.Kind.REGULATOR)
    assert (event.at, event.backdate_reason) == (phoned, "电话首报监管，事后补录")
    assert event.recorded_at > event.at
    record = AuditEvent.objects.get(action="incident.regulator_report")
    assert record.detail == {"backdate_reason": "电话首报监管，事后补录"}


def test_a_backdated_note_keeps_its_reason_in_the_audit_trail(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    event = services.incident_note_add(
        actor=officer,
        incident=incident,
        text="运维已切换备用线路",
        at=T0 + dt.timedelta(minutes=5),
        reason="当时在机房，事后补记",
        now=T0 + dt.timedelta(hours=1),
    )
    assert event.backdate_reason == "当时在机房，事后补记"
    assert AuditEvent.objects.get(action="incident.note").detail["backdate_reason"] == "当时在机房，事后补记"


def test_the_api_refuses_out_of_order_and_future_times_with_the_reason(
    org: Any, make_user: Any, login_client: Any
) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = services.incident_report(
        actor=officer, org_unit=org.haidian, incident_type=incident_type("outage"), title="柜面系统中断"
    )
    client = login_client(officer)
    url = f"/api/v1/incidents/{incident.pk}/transition"
    early = (incident.reported_at - dt.timedelta(hours=1)).isoformat()
    refused = client.post(
        url,
        json.dumps({"to_status": "acknowledged", "at": early, "reason": "补录"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "earlier than the previous stage" in refused.json()["error"]["message"]
    future = (incident.reported_at + dt.timedelta(days=1)).isoformat()
    ahead = client.post(
        url, json.dumps({"to_status": "acknowledged", "at": future}), content_type="application/json"
    )
    assert ahead.status_code == 400 and "future" in ahead.json()["error"]["message"]
    incident.refresh_from_db()
    assert incident.acknowledged_at is None and incident.status == "reported"
