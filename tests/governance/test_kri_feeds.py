"""KRI values come from an Excel import (code, measured on, value; any bad row refuses the file) or from the
latest snapshot of a linked framework indicator, once per period; a breach opens a corrective action either way."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from finassure.accounts.roles import Role
from finassure.framework import selectors as framework_selectors
from finassure.framework.models import Snapshot
from finassure.framework.periods import Period
from finassure.governance import services
from finassure.governance.models import KriValue
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.framework.factories import make_indicator, make_measure
from tests.governance import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HEADER = ["KRI code", "Measured on", "Value"]


@pytest.fixture
def risk_manager(make_user: Any) -> Any:
    return make_user(Role.RISK_MANAGER, username="riskmgr")


def _workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _kri(org: Any, risk_manager: Any, code: str, **kwargs: Any) -> Any:
    kri = f.make_kri(f.make_risk(org.beijing), **kwargs)
    return services.kri_link(actor=risk_manager, kri=kri, code=code)


# --- Excel import ---------------------------------------------------------------------------------


def test_imported_values_are_stored_with_their_status_and_a_breach_opens_an_action(org: Any,
                                                                                   risk_manager: Any) -> None:
    kri = _kri(org, risk_manager, "loan-overdue", warning="5", limit="8")
    two_days_ago, yesterday = TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1)
    counts = services.kri_value_import(actor=risk_manager, content=_workbook([
        HEADER, ["loan-overdue", two_days_ago, 4], ["loan-overdue", yesterday.isoformat(), "8.25"]]))
    assert counts["created"] == 2
    values = {v.measured_on: v for v in kri.values.all()}
    assert values[two_days_ago].value == Decimal("4") and values[two_days_ago].status == "normal"
    assert values[yesterday].value == Decimal("8.25") and values[yesterday].status == "breach"  # 8.25 > 8
    assert {v.source for v in values.values()} == {KriValue.Source.IMPORT}
    assert values[yesterday].recorded_by == risk_manager
    assert not framework_selectors.corrective_actions_for(source=values[two_days_ago]).exists()
    actions = list(framework_selectors.corrective_actions_for(source=values[yesterday]))
    assert len(actions) == 1 and actions[0].owner == kri.risk.owner


def test_a_bad_row_refuses_the_whole_file_naming_line_column_and_reason(org: Any, risk_manager: Any) -> None:
    kri = _kri(org, risk_manager, "loan-overdue")
    content = _workbook([
        HEADER,
        ["loan-overdue", TODAY - dt.timedelta(days=3), 9],  # line 2: good (a breach) — must not be stored
        ["no-such-kri", TODAY - dt.timedelta(days=2), 1],  # line 3: unknown code
        ["loan-overdue", TODAY - dt.timedelta(days=1), "abc"],  # line 4: not a number
        ["loan-overdue", "32/13/2026", 1],  # line 5: not a date
        ["loan-overdue", TODAY - dt.timedelta(days=3), 2],  # line 6: same day as line 2
        ["loan-overdue", TODAY - dt.timedelta(days=4), "1.23456"],  # line 7: more than 4 decimals
    ])
    with pytest.raises(ValidationFailed) as caught:
        services.kri_value_import(actor=risk_manager, content=content)
    rows = caught.value.extra["rows"]
    assert [(r["line"], r["field"]) for r in rows] == [
        (3, "KRI code"), (4, "Value"), (5, "Measured on"), (6, "Measured on"), (7, "Value")]
    assert "no-such-kri" in rows[0]["reason"] and "abc" in rows[1]["reason"]
    assert rows[3]["reason"] == "This indicator already has a value for that day."
    assert rows[4]["reason"] == "“1.23456” has more than 4 decimal places"
    assert kri.values.count() == 0
    assert not framework_selectors.corrective_actions_for(source=kri).exists()


def test_a_renamed_or_shuffled_header_is_refused_with_the_expected_layout(org: Any, risk_manager: Any) -> None:
    _kri(org, risk_manager, "loan-overdue")
    for header in (["Measured on", "KRI code", "Value"], ["KRI code", "Date", "Value"]):
        with pytest.raises(ValidationFailed) as caught:
            services.kri_value_import(actor=risk_manager, content=_workbook([header, ["loan-overdue", TODAY, 1]]))
        assert "KRI code, Measured on, Value" in str(caught.value.message)
    assert KriValue.objects.count() == 0


def test_values_of_a_kri_outside_the_importers_units_are_refused(org: Any, make_user: Any,
                                                                  risk_manager: Any) -> None:
    kri = _kri(org, risk_manager, "loan-overdue")
    outsider = make_user(Role.RISK_MANAGER, unit="shanghai", username="sh-risk")
    with pytest.raises(ValidationFailed):
        services.kri_value_import(actor=outsider, content=_workbook([HEADER, ["loan-overdue", TODAY, 1]]))
    assert kri.values.count() == 0


def test_the_import_page_lists_row_errors_and_stores_a_good_file(org: Any, login_client: Any,
                                                                 risk_manager: Any) -> None:
    kri = _kri(org, risk_manager, "loan-overdue")
    client = login_client(risk_manager)
    assert "KRI code, Measured on, Value" in client.get("/governance/kris/import/").content.decode()
    bad = SimpleUploadedFile("k.xlsx", _workbook([HEADER, ["loan-overdue", TODAY, "x"]]))
    response = client.post("/governance/kris/import/", {"file": bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="import-row-errors"' in body and "row 2" in body and "“x” is not a number" in body
    good = SimpleUploadedFile("k.xlsx", _workbook([HEADER, ["loan-overdue", TODAY, "3"]]))
    response = client.post("/governance/kris/import/", {"file": good})
    assert response.status_code == 200 and 'id="import-result"' in response.content.decode()
    assert kri.values.get().value == Decimal("3")


# --- fed from framework indicators ----------------------------------------------------------------


def _snap(indicator: Any, unit: Any, day: dt.date, value: float | None, status: str = "green") -> Snapshot:
    period = Period.containing(day, indicator.period)
    return Snapshot.objects.create(indicator=indicator, org_unit=unit, period_kind=period.kind,
                                   period_start=period.start, period_end=period.end, period_label=period.label(),
                                   value=value, target=95, amber=2, status=status, computed_at=timezone.now())


def test_a_linked_kri_takes_the_latest_ended_periods_snapshot_once(org: Any, risk_manager: Any) -> None:
    indicator = make_indicator(make_measure(), key="complaints-48h", period="quarter")
    owner = f.make_author(org.beijing)
    kri = f.make_kri(f.make_risk(org.beijing, owner=owner), warning="95", limit="93", higher_is_worse=False)
    services.kri_link(actor=risk_manager, kri=kri, code="c48", indicator=indicator)
    this_quarter = Period.containing(TODAY, "quarter")
    last, before = this_quarter.previous(), this_quarter.previous().previous()
    _snap(indicator, org.beijing, before.start, 99.0)  # older ended period: not the latest
    _snap(indicator, org.beijing, last.start, 92.5, status="red")  # the latest ended period
    _snap(indicator, org.beijing, this_quarter.start, 50.0)  # still running: not final, ignored
    _snap(indicator, org.haidian, last.start, 10.0)  # another unit

    assert services.kri_values_from_indicators() == 1
    value = kri.values.get()
    assert value.measured_on == last.end - dt.timedelta(days=1)  # the period's last day
    assert value.value == Decimal("92.5") and value.status == "breach"  # 92.5 < limit 93, lower is worse
    assert value.source == KriValue.Source.INDICATOR and value.recorded_by is None
    assert value.snapshot is not None and value.snapshot.period_start == last.start
    actions = list(framework_selectors.corrective_actions_for(source=value))
    assert len(actions) == 1 and actions[0].owner == owner

    assert services.kri_values_from_indicators() == 0  # idempotent: the period is already recorded
    assert kri.values.count() == 1
    assert len(framework_selectors.corrective_actions_for(source=value)) == 1

    # when the running quarter ends, its final value (here 96 → normal) is taken once more
    Snapshot.objects.filter(indicator=indicator, org_unit=org.beijing, period_start=this_quarter.start).update(
        value=96.0)
    assert services.kri_values_from_indicators(day=this_quarter.end) == 1
    latest = kri.values.order_by("-measured_on").first()
    assert latest is not None and latest.value == Decimal("96") and latest.status == "normal"
    assert services.kri_values_from_indicators(day=this_quarter.end) == 0


def test_a_snapshot_without_data_gives_no_value(org: Any, risk_manager: Any) -> None:
    indicator = make_indicator(make_measure(), key="k-nodata", period="quarter")
    kri = f.make_kri(f.make_risk(org.beijing))
    services.kri_link(actor=risk_manager, kri=kri, code="", indicator=indicator)
    _snap(indicator, org.beijing, Period.containing(TODAY, "quarter").previous().start, None, status="no_data")
    assert services.kri_values_from_indicators() == 0
    assert kri.values.count() == 0


def test_a_linked_kri_is_not_recorded_by_hand(org: Any, risk_manager: Any) -> None:
    kri = f.make_kri(f.make_risk(org.beijing))
    services.kri_link(actor=risk_manager, kri=kri, code="x", indicator=make_indicator(make_measure()))
    with pytest.raises(ValidationFailed):
        services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY, value=Decimal("1"))


def test_linking_checks_permission_and_unique_codes_and_is_audited(org: Any, risk_manager: Any,
                                                                   auditor: Any) -> None:
    first, second = f.make_kri(f.make_risk(org.beijing)), f.make_kri(f.make_risk(org.beijing))
    services.kri_link(actor=risk_manager, kri=first, code="npl")
    with pytest.raises(ValidationFailed):
        services.kri_link(actor=risk_manager, kri=second, code="npl")
    with pytest.raises(PermissionDenied):
        services.kri_link(actor=auditor, kri=second, code="other")
    assert AuditEvent.objects.filter(action="kri.link", object_id=str(first.pk)).count() == 1


def test_the_link_page_sets_code_and_indicator(org: Any, login_client: Any, risk_manager: Any) -> None:
    indicator = make_indicator(make_measure(), key="k-page")
    kri = f.make_kri(f.make_risk(org.beijing))
    client = login_client(risk_manager)
    assert client.get(f"/governance/kris/{kri.pk}/link/").status_code == 200
    response = client.post(f"/governance/kris/{kri.pk}/link/", {"code": "npl-ratio", "indicator": indicator.pk})
    assert response.status_code == 302
    kri.refresh_from_db()
    assert kri.code == "npl-ratio" and kri.indicator == indicator
    assert "Fed from" in client.get(f"/governance/risks/{kri.risk_id}/").content.decode()


def test_the_daily_schedule_feeds_kris(org: Any) -> None:
    from finassure.platform import scheduling

    names = {s.name: s.every for s in scheduling.schedules()}
    assert names["governance.kri_values_from_indicators"] == dt.timedelta(days=1)
