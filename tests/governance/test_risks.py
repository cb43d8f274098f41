"""The risk register: ratings on the 5 × 5 matrix, owner acceptance that lapses on change, the heat map,
KRIs whose breaches open corrective actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework import selectors as framework_selectors
from finassure.governance import selectors, services
from finassure.governance.models import KriValue, Risk
from finassure.platform.errors import NotFound, PermissionDenied, ValidationFailed
from tests.governance import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def risk_manager(make_user: Any) -> Any:
    return make_user(Role.RISK_MANAGER, username="riskmgr")


def _values(owner: Any, **overrides: Any) -> dict[str, Any]:
    return {"title": "柜面现金差错风险", "category": "operational", "description": "", "inherent_likelihood": 4,
            "inherent_impact": 4, "residual_likelihood": 2, "residual_impact": 3, "treatment": "mitigate",
            "owner": owner, "review_due": None, **overrides}


def test_a_risk_is_registered_with_inherent_and_residual_ratings(org: Any, risk_manager: Any) -> None:
    risk = services.risk_create(actor=risk_manager, org_unit=org.beijing, **_values(risk_manager))
    assert (risk.inherent_score, risk.residual_score, risk.residual_level) == (16, 6, "medium")


def test_it_refuses_a_residual_rating_above_the_inherent_one_and_saves_nothing(org: Any, risk_manager: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.risk_create(actor=risk_manager, org_unit=org.beijing,
                             **_values(risk_manager, residual_likelihood=5))
    assert "residual_likelihood" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.risk_create(actor=risk_manager, org_unit=org.beijing, **_values(risk_manager, inherent_impact=6))
    assert not Risk.objects.exists()


def test_the_risk_owner_must_be_able_to_see_the_risk(org: Any, risk_manager: Any, make_user: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.risk_create(actor=risk_manager, org_unit=org.beijing, **_values(make_user(Role.EMPLOYEE)))
    assert "owner" in exc.value.fields


def test_the_database_keeps_ratings_on_the_matrix(org: Any) -> None:
    risk = f.make_risk(org.beijing)
    risk.residual_impact = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        risk.save()


def test_only_the_owner_accepts_and_a_change_lapses_the_acceptance(org: Any, risk_manager: Any,
                                                                   make_user: Any) -> None:
    owner = make_user(Role.QUALITY_MANAGER)
    risk = services.risk_create(actor=risk_manager, org_unit=org.beijing, **_values(owner))
    with pytest.raises(PermissionDenied):
        services.risk_accept(actor=risk_manager, risk=risk, note="同意")
    risk = services.risk_accept(actor=owner, risk=risk, note="剩余风险可接受")
    assert (risk.accepted_by, risk.acceptance_note) == (owner, "剩余风险可接受") and risk.accepted_at
    unchanged = services.risk_update(actor=risk_manager, risk=risk, **_values(owner))
    assert unchanged.accepted_at is not None
    changed = services.risk_update(actor=risk_manager, risk=risk, **_values(owner, residual_impact=4))
    assert (changed.accepted_by, changed.accepted_at, changed.acceptance_note) == (None, None, "")


def test_the_heat_map_counts_risks_per_cell_within_scope(org: Any, risk_manager: Any) -> None:
    f.make_risk(org.beijing, residual=(2, 3))
    f.make_risk(org.haidian, residual=(2, 3))
    f.make_risk(org.beijing, inherent=(5, 5), residual=(5, 5))
    f.make_risk(org.shanghai, residual=(1, 1))
    cells = selectors.heat_map(actor=risk_manager)
    assert cells[1][2] == 2 and cells[4][4] == 1 and cells[0][0] == 0
    assert sum(map(sum, cells)) == 3
    assert selectors.heat_map(actor=risk_manager, residual=False)[3][3] == 2


def test_the_register_filters_by_residual_level(org: Any, risk_manager: Any) -> None:
    low = f.make_risk(org.beijing, residual=(1, 2))
    extreme = f.make_risk(org.beijing, inherent=(5, 5), residual=(4, 5))
    assert list(selectors.risk_list(actor=risk_manager, level="extreme")) == [extreme]
    assert list(selectors.risk_list(actor=risk_manager, level="low")) == [low]


def test_a_kri_value_beyond_the_limit_opens_a_corrective_action_for_the_risk_owner(org: Any,
                                                                                   risk_manager: Any) -> None:
    owner = f.make_author(org.beijing)
    kri = f.make_kri(f.make_risk(org.beijing, owner=owner), warning="5", limit="8")
    normal = services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY - dt.timedelta(days=2),
                                       value=Decimal("4"))
    warning = services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY - dt.timedelta(days=1),
                                        value=Decimal("8"))
    breach = services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY, value=Decimal("8.5"))
    assert [v.status for v in (normal, warning, breach)] == ["normal", "warning", "breach"]
    assert not framework_selectors.corrective_actions_for(source=warning).exists()
    actions = list(framework_selectors.corrective_actions_for(source=breach))
    assert len(actions) == 1 and actions[0].owner == owner


def test_a_lower_is_worse_kri_breaches_below_its_limit(org: Any, risk_manager: Any) -> None:
    kri = f.make_kri(f.make_risk(org.beijing), warning="120", limit="100", higher_is_worse=False)
    assert services.kri_status(kri, Decimal("99")) == KriValue.Status.BREACH
    assert services.kri_status(kri, Decimal("110")) == KriValue.Status.WARNING
    assert services.kri_status(kri, Decimal("130")) == KriValue.Status.NORMAL
    with pytest.raises(ValidationFailed):
        services.kri_create(actor=risk_manager, risk=kri.risk, name="x", warning=Decimal("90"),
                            limit=Decimal("100"), higher_is_worse=False)


def test_it_refuses_a_second_value_for_the_same_day_or_a_future_one(org: Any, risk_manager: Any) -> None:
    kri = f.make_kri(f.make_risk(org.beijing))
    services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY, value=Decimal("1"))
    with pytest.raises(ValidationFailed):
        services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY, value=Decimal("2"))
    with pytest.raises(ValidationFailed):
        services.kri_record_value(actor=risk_manager, kri=kri, measured_on=TODAY + dt.timedelta(days=1),
                                  value=Decimal("2"))
    assert kri.values.count() == 1


def test_auditors_read_the_register_but_cannot_change_it(org: Any, auditor: Any) -> None:
    risk = f.make_risk(org.beijing)
    assert selectors.risk_get(actor=auditor, pk=risk.pk) == risk
    with pytest.raises(PermissionDenied):
        services.kri_create(actor=auditor, risk=risk, name="x", warning=Decimal("1"), limit=Decimal("2"))


def test_risks_outside_the_callers_units_do_not_exist_for_them(org: Any, make_user: Any) -> None:
    risk = f.make_risk(org.haidian)
    with pytest.raises(NotFound):
        selectors.risk_get(actor=make_user(Role.RISK_MANAGER, unit="shanghai"), pk=risk.pk)


def test_the_register_page_draws_the_heat_map_and_lists_the_risks(org: Any, login_client: Any,
                                                                  risk_manager: Any) -> None:
    risk = f.make_risk(org.beijing)
    body = login_client(risk_manager).get("/governance/risks/").content.decode()
    assert 'id="heatmap-data"' in body and "governance/heatmap.js" in body and risk.title in body


def test_a_breach_recorded_in_the_browser_opens_an_action(org: Any, login_client: Any, risk_manager: Any) -> None:
    kri = f.make_kri(f.make_risk(org.beijing))
    response = login_client(risk_manager).post(f"/governance/kris/{kri.pk}/values/",
                                               {"measured_on": TODAY.isoformat(), "value": "9"})
    assert response.status_code == 302
    value = kri.values.get()
    assert value.status == "breach" and framework_selectors.corrective_actions_for(source=value).exists()


def test_a_deficient_control_test_opens_an_action_for_the_control_owner(org: Any, auditor: Any) -> None:
    owner = f.make_author(org.beijing)
    control = f.make_control(org.beijing, owner=owner)
    effective = services.control_test_record(actor=auditor, control=control, tested_on=TODAY, result="effective",
                                             evidence="抽查10笔均有复核")
    deficient = services.control_test_record(actor=auditor, control=control, tested_on=TODAY, result="deficient",
                                             evidence="抽查10笔，2笔无复核签章")
    assert not framework_selectors.corrective_actions_for(source=effective).exists()
    assert framework_selectors.corrective_actions_for(source=deficient).get().owner == owner


def test_a_control_is_not_tested_by_its_owner_or_by_a_mere_reader(org: Any, risk_manager: Any,
                                                                  make_user: Any) -> None:
    control = f.make_control(org.beijing, owner=risk_manager)
    with pytest.raises(PermissionDenied):
        services.control_test_record(actor=risk_manager, control=control, tested_on=TODAY, result="effective",
                                     evidence="x")
    with pytest.raises(PermissionDenied):
        services.control_test_record(actor=make_user(Role.QUALITY_MANAGER), control=control, tested_on=TODAY,
                                     result="effective", evidence="x")
    assert not control.tests.exists()
