"""Snapshots: status against targets and overrides, no data vs no source, history, and breaches opening actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.framework import services
from finassure.framework.evaluation import status_for
from finassure.framework.models import CorrectiveAction, Notification, Snapshot
from finassure.framework.periods import Period
from finassure.platform.errors import PermissionDenied
from tests.framework.factories import fixed_values, make_indicator, make_measure

DAY = dt.date(2026, 8, 15)


@pytest.mark.parametrize(("value", "direction", "status"), [
    (95, "higher", "green"), (90, "higher", "green"), (87, "higher", "amber"), (85, "higher", "amber"),
    (84.9, "higher", "red"), (None, "higher", "no_data"),
    (90, "lower", "green"), (94, "lower", "amber"), (95.1, "lower", "red"),
])
def test_status_follows_target_amber_band_and_direction(value: float | None, direction: str, status: str) -> None:
    assert status_for(value, target=90, amber=5, direction=direction) == status


@pytest.mark.django_db
def test_a_run_stores_one_snapshot_per_unit_and_period_with_status(org: Any) -> None:
    indicator = make_indicator(make_measure())
    with fixed_values({org.head.pk: 92, org.beijing.pk: 88, org.haidian.pk: 70}) as calls:
        report = services.snapshots_run(actor=None, day=DAY, units=[org.head, org.beijing, org.haidian, org.shanghai],
                                        indicators=[indicator])
    assert report.computed == 4 and ("2026Q3" in {label for _pk, label in calls})
    statuses = dict(Snapshot.objects.values_list("org_unit_id", "status"))
    assert statuses == {org.head.pk: "green", org.beijing.pk: "amber", org.haidian.pk: "red",
                        org.shanghai.pk: "no_data"}
    haidian = Snapshot.objects.get(org_unit=org.haidian)
    assert (haidian.value, haidian.target, haidian.period_label) == (70, 90, "2026Q3")
    assert Snapshot.objects.get(org_unit=org.shanghai).value is None


@pytest.mark.django_db
def test_an_unregistered_computation_shows_no_data_source(org: Any) -> None:
    indicator = make_indicator(make_measure(), computation="nobody.registered_this")
    services.snapshots_run(actor=None, day=DAY, units=[org.head], indicators=[indicator])
    snapshot = Snapshot.objects.get()
    assert snapshot.status == "no_source" and snapshot.value is None


@pytest.mark.django_db
def test_recomputing_replaces_the_period_and_keeps_history(org: Any) -> None:
    indicator = make_indicator(make_measure())
    with fixed_values({org.head.pk: 80}):
        services.snapshots_run(actor=None, day=DAY, units=[org.head], indicators=[indicator])
    with fixed_values({org.head.pk: 95}):
        services.snapshots_run(actor=None, day=DAY, units=[org.head], indicators=[indicator])
        services.snapshots_run(actor=None, day=DAY + dt.timedelta(days=90), units=[org.head],
                               indicators=[indicator])
    assert list(Snapshot.objects.order_by("period_start").values_list("period_label", "value")) == [
        ("2026Q3", 95), ("2026Q4", 95)]


@pytest.mark.django_db
def test_the_nearest_override_wins(org: Any, make_user: Any) -> None:
    from finassure.accounts import services as org_services

    line = org_services.business_line_create(actor=None, institution=org.institution, code="retail",
                                             kind="banking", name="零售")
    org.shanghai.business_line = line
    org.shanghai.save()
    indicator = make_indicator(make_measure())
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    services.target_override_set(actor=manager, indicator=indicator, target=80, amber=5, org_unit=org.beijing)
    services.target_override_set(actor=manager, indicator=indicator, target=70, amber=0, business_line=line)
    with fixed_values({org.head.pk: 85, org.haidian.pk: 85, org.shanghai.pk: 75}):
        services.snapshots_run(actor=None, day=DAY, units=[org.head, org.haidian, org.shanghai],
                               indicators=[indicator])
    rows = {s.org_unit_id: (s.target, s.status) for s in Snapshot.objects.all()}
    assert rows == {org.head.pk: (90, "amber"), org.haidian.pk: (80, "green"), org.shanghai.pk: (70, "green")}


@pytest.mark.django_db
def test_a_breach_opens_one_action_for_the_measures_owner(org: Any, make_user: Any,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    owner = make_user(Role.QUALITY_MANAGER, unit="head", email="owner@example.cn")
    indicator = make_indicator(make_measure(owner=owner))
    with fixed_values({org.haidian.pk: 60}):
        first = services.snapshots_run(actor=None, day=DAY, units=[org.haidian], indicators=[indicator])
        again = services.snapshots_run(actor=None, day=DAY + dt.timedelta(days=92), units=[org.haidian],
                                       indicators=[indicator])
    assert (first.actions_opened, again.actions_opened) == (1, 0)
    action = CorrectiveAction.objects.get()
    assert (action.owner, action.org_unit, action.indicator, action.measure) == (
        owner, org.haidian, indicator, indicator.measure)
    assert action.source == Snapshot.objects.get(period_label="2026Q3")
    assert action.due > dt.date.today()
    assert list(Notification.objects.filter(recipient=owner).values_list("kind", flat=True)) == ["breach"]


@pytest.mark.django_db
def test_a_new_breach_after_closing_opens_a_new_action(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    verifier = make_user(Role.INTERNAL_AUDITOR, unit="beijing")
    indicator = make_indicator(make_measure(owner=owner))
    with fixed_values({org.haidian.pk: 60}):
        services.snapshots_run(actor=None, day=DAY, units=[org.haidian], indicators=[indicator])
        action = CorrectiveAction.objects.get()
        action = services.corrective_action_complete(actor=owner, action=action, note="已整改")
        action = services.corrective_action_verify(actor=verifier, action=action, effective=True, note="有效")
        services.corrective_action_close(actor=verifier, action=action)
        services.snapshots_run(actor=None, day=DAY, units=[org.haidian], indicators=[indicator])
    assert CorrectiveAction.objects.count() == 2


@pytest.mark.django_db
def test_without_an_owner_the_responsible_role_gets_the_action(org: Any, make_user: Any) -> None:
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    indicator = make_indicator(make_measure(role=Role.CONSUMER_PROTECTION_OFFICER))
    with fixed_values({org.haidian.pk: 10}):
        services.snapshots_run(actor=None, day=DAY, units=[org.haidian], indicators=[indicator])
    assert CorrectiveAction.objects.get().owner == officer


@pytest.mark.django_db
def test_running_on_demand_needs_the_permission_and_stays_in_scope(org: Any, make_user: Any) -> None:
    indicator = make_indicator(make_measure())
    with pytest.raises(PermissionDenied):
        services.snapshots_run(actor=make_user(Role.EMPLOYEE, unit="head"), day=DAY, indicators=[indicator])
    with fixed_values({}):
        report = services.snapshots_run(actor=make_user(Role.RISK_MANAGER, unit="beijing"), day=DAY,
                                        indicators=[indicator])
    assert report.computed == 2
    assert set(Snapshot.objects.values_list("org_unit_id", flat=True)) == {org.beijing.pk, org.haidian.pk}


@pytest.mark.django_db
def test_lower_is_better_counts_go_red_above_the_band(org: Any) -> None:
    indicator = make_indicator(make_measure(), target=1, amber=1, direction="lower", unit="count")
    with fixed_values({org.head.pk: 1, org.beijing.pk: 2, org.haidian.pk: 3}):
        services.snapshots_run(actor=None, day=DAY, units=[org.head, org.beijing, org.haidian],
                               indicators=[indicator])
    assert list(Snapshot.objects.order_by("org_unit__path").values_list("status", flat=True)) == [
        "green", "amber", "red"]


def test_periods_follow_the_indicators_evaluation_period() -> None:
    assert Period.containing(DAY, "half").label() == "2026H2"


@pytest.mark.django_db
@pytest.mark.parametrize("operator", ["en", "zh-hans"])
def test_the_snapshots_command_writes_in_the_institutions_language_and_tells_in_the_operators(
    org: Any, make_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any, operator: str
) -> None:
    from django.core.management import call_command

    settings.LANGUAGE_CODE = "zh-hans"  # the institution's
    monkeypatch.setenv("FINASSURE_LANG", operator)
    owner = make_user(Role.QUALITY_MANAGER, unit="head")
    make_indicator(make_measure(owner=owner))
    with fixed_values({org.haidian.pk: 60}):
        call_command("framework", "snapshots", "--day", DAY.isoformat())
    action = CorrectiveAction.objects.get(org_unit=org.haidian)
    assert action.title.startswith("整改：")  # stored: read by everyone, written as before commands spoke English
    assert Notification.objects.get(recipient=owner).title.startswith("指标未达标")
    out = capsys.readouterr().out
    assert ("corrective actions opened" in out) == (operator == "en")
    assert ("项整改措施" in out) == (operator == "zh-hans")
