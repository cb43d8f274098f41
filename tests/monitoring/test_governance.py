"""Rule and model governance: versioned rule changes and model roles approved by a second person, used by runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from finassure.monitoring import rulebook, services
from finassure.monitoring.models import Alert, ModelVersion, RuleChange, Run
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import SHIPPED_MODEL, make_alert, make_case, model_copy

pytestmark = pytest.mark.django_db


def _propose(actor: Any, unit: Any, **kwargs: Any) -> RuleChange:
    args: dict[str, Any] = {
        "rule_id": "pboc_lv_cash",
        "enabled": True,
        "params": {"cny_threshold": 45000},
        "reason": "试运行较低阈值",
    }
    return rulebook.rule_change_propose(actor=actor, org_unit=unit, **(args | kwargs))


def test_a_rule_change_applies_only_after_a_second_person_approves(
    org: Any, analyst: Any, checker: Any
) -> None:
    change = _propose(analyst, org.beijing)
    assert (change.version, change.status) == (1, RuleChange.Status.PROPOSED)
    assert rulebook.rules_in_force(org_unit=org.haidian) == {}
    with pytest.raises(Conflict):
        rulebook.rule_change_approve(actor=analyst, change=change)  # the proposer may not approve
    rulebook.rule_change_approve(actor=checker, change=change)
    in_force = rulebook.rules_in_force(org_unit=org.haidian)
    assert in_force["pboc_lv_cash"].pk == change.pk
    events = list(
        AuditEvent.objects.filter(object_id=str(change.pk), action__startswith="rule_change.")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert events == [("rule_change.proposed", analyst.pk), ("rule_change.approved", checker.pk)]


def test_the_database_refuses_a_change_decided_by_its_proposer(org: Any, analyst: Any) -> None:
    change = _propose(analyst, org.beijing)
    change.decided_by = analyst
    with pytest.raises(IntegrityError), transaction.atomic():
        change.save()


def test_versions_count_up_and_the_newest_approved_wins(org: Any, analyst: Any, checker: Any) -> None:
    first = rulebook.rule_change_approve(actor=checker, change=_propose(analyst, org.beijing))
    with pytest.raises(Conflict):  # one pending change per rule and unit
        _propose(analyst, org.beijing, params={"cny_threshold": 40000})
        _propose(analyst, org.beijing, params={"cny_threshold": 40000})
    second = RuleChange.objects.get(org_unit=org.beijing, status=RuleChange.Status.PROPOSED)
    assert (first.version, second.version) == (1, 2)
    rulebook.rule_change_approve(actor=checker, change=second)
    assert rulebook.rules_in_force(org_unit=org.beijing)["pboc_lv_cash"].params == {"cny_threshold": 40000}


def test_the_nearest_unit_up_the_tree_wins(org: Any, analyst: Any, make_user: Any) -> None:
    from finassure.accounts.roles import Role

    head_maker = make_user(Role.AML_ANALYST, unit="head")
    head_checker = make_user(Role.AML_ANALYST, unit="head")
    head = rulebook.rule_change_approve(actor=head_checker, change=_propose(head_maker, org.head, params={}))
    beijing = rulebook.rule_change_approve(actor=head_checker, change=_propose(head_maker, org.beijing))
    assert rulebook.rules_in_force(org_unit=org.haidian)["pboc_lv_cash"].pk == beijing.pk
    assert rulebook.rules_in_force(org_unit=org.shanghai)["pboc_lv_cash"].pk == head.pk


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"no_such_param": 1}, "has no parameter no_such_param"),
        ({"cny_threshold": "fifty thousand"}, "same kind as its default"),
        ({"cny_threshold": -1}, "cannot be negative"),
        ({"channels": "cash"}, "same kind as its default"),
    ],
)
def test_parameters_the_rule_does_not_have_or_of_the_wrong_kind_are_refused(
    org: Any, analyst: Any, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        _propose(analyst, org.beijing, params=params)
    assert any(message in e for e in err.value.fields["params"])
    assert not RuleChange.objects.exists()


@pytest.mark.parametrize(("language", "message"), [
    ("en", "cycles: max_length must be 2, 3 or 4, not 5"),
    ("zh-hans", "cycles：max_length 须为 2、3 或 4，而不是 5"),
])
def test_the_engines_refusal_reads_in_the_request_language(
    org: Any, analyst: Any, language: str, message: str
) -> None:
    with translation.override(language), pytest.raises(ValidationFailed) as err:
        _propose(analyst, org.beijing, rule_id="cycles", params={"max_length": 5})
    assert err.value.fields["params"] == [message]
    assert not RuleChange.objects.exists()


def test_an_unknown_rule_and_a_missing_reason_are_refused(org: Any, analyst: Any) -> None:
    with pytest.raises(ValidationFailed):
        _propose(analyst, org.beijing, rule_id="no_such_rule")
    with pytest.raises(ValidationFailed):
        _propose(analyst, org.beijing, reason="")
    assert not RuleChange.objects.exists()


def test_proposing_needs_the_permission_at_that_unit(org: Any, analyst: Any) -> None:
    with pytest.raises(PermissionDenied):
        _propose(analyst, org.shanghai)  # the analyst works in Beijing


def test_a_run_applies_the_approved_change_and_records_it(
    org: Any, analyst: Any, checker: Any, engine_output: Any, engine_store: Path
) -> None:
    baseline = json.loads((engine_output["out"] / "manifest.json").read_text("utf-8"))["counts"]["by_rule"]
    assert baseline.get("pboc_lv_cash", 0) > 0  # the fixture's transactions do hit the cash rule
    change = _propose(
        analyst, org.beijing, params={"cny_threshold": 10**12}, reason="阈值提高至不可能触发，验证生效"
    )
    rulebook.rule_change_approve(actor=checker, change=change)
    disabled = rulebook.rule_change_approve(
        actor=checker,
        change=_propose(
            analyst,
            org.beijing,
            rule_id="structuring_cash",
            enabled=False,
            params={},
            reason="暂停拆分交易规则",
        ),
    )
    run = services.run_start(actor=analyst, org_unit=org.haidian)
    assert run.status == Run.Status.IMPORTED, run.error
    assert not Alert.objects.filter(run=run, rule_id__in=["pboc_lv_cash", "structuring_cash"]).exists()
    assert run.rule_config["pboc_lv_cash"] == {
        "change_id": change.pk,
        "version": 1,
        "org_unit": org.beijing.code,
        "enabled": True,
        "params": {"cny_threshold": 10**12},
    }
    assert run.rule_config["structuring_cash"]["change_id"] == disabled.pk
    assert run.rule_config["structuring_cash"]["enabled"] is False
    assert "structuring_cash" not in {r["id"] for r in run.manifest["rules"]}


def test_a_run_without_approved_changes_uses_the_built_in_rules(
    org: Any, analyst: Any, engine_store: Path
) -> None:
    _propose(analyst, org.beijing, params={"cny_threshold": 10**12})  # proposed, never approved
    run = services.run_start(actor=analyst, org_unit=org.haidian)
    assert run.rule_config == {} and Alert.objects.filter(run=run, rule_id="pboc_lv_cash").exists()


# --- models ------------------------------------------------------------------------------------------------------


def test_a_model_version_is_registered_with_its_metrics(org: Any, analyst: Any) -> None:
    model = rulebook.model_register(actor=analyst, org_unit=org.beijing, path=SHIPPED_MODEL)
    meta = json.loads((SHIPPED_MODEL / "meta.json").read_text("utf-8"))
    assert (model.version, model.threshold, model.role) == (meta["version"], meta["threshold"], "candidate")
    assert model.metrics["held_out_graphs"]["f1"] == meta["metrics"]["held_out_graphs"]["f1"]
    with pytest.raises(Conflict):
        rulebook.model_register(actor=analyst, org_unit=org.beijing, path=SHIPPED_MODEL)


def test_a_folder_that_is_not_a_model_is_refused(org: Any, analyst: Any, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        rulebook.model_register(actor=analyst, org_unit=org.beijing, path=tmp_path)
    assert not ModelVersion.objects.exists()


def test_promotion_needs_a_second_person_and_replaces_the_current_model(
    org: Any, analyst: Any, checker: Any, tmp_path: Path
) -> None:
    old = rulebook.model_register(
        actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "a", "v-old")
    )
    new = rulebook.model_register(
        actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "b", "v-new")
    )
    rulebook.model_role_request(actor=analyst, model=old, role="current", reason="首个上线模型")
    with pytest.raises(Conflict):
        rulebook.model_role_approve(actor=analyst, model=old)
    rulebook.model_role_approve(actor=checker, model=old)
    # both scored on the same case labels (test_feedback.py runs the real evaluation)
    ModelVersion.objects.filter(pk__in=[old.pk, new.pk]).update(
        metrics={"case_labels": {"labels_sha256": "ab12"}}
    )
    rulebook.model_role_request(actor=analyst, model=new, role="current", reason="新模型在案件标签上召回更高")
    rulebook.model_role_approve(actor=checker, model=new)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.role, new.role, new.approved_by) == ("candidate", "current", checker)
    assert rulebook.models_in_force(org_unit=org.haidian)["current"].pk == new.pk
    assert AuditEvent.objects.filter(action="model.role_replaced", object_id=str(old.pk)).exists()


def test_a_shadow_model_scores_the_run_without_alerting_and_is_compared(
    org: Any, analyst: Any, checker: Any, engine_store: Path, tmp_path: Path
) -> None:
    current = rulebook.model_register(
        actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "c", "v-cur")
    )
    shadow = rulebook.model_register(
        actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "s", "v-sh")
    )
    for model, role in ((current, "current"), (shadow, "shadow")):
        rulebook.model_role_request(actor=analyst, model=model, role=role, reason="上线与影子对比")
        rulebook.model_role_approve(actor=checker, model=model)
    labelled = make_case(
        org.haidian, status="closed", disposition="suspicious", disposition_reason="资金快进快出"
    )
    labelled_account = labelled.alerts.get().account_id
    run = services.run_start(actor=analyst, org_unit=org.haidian)
    assert run.status == Run.Status.IMPORTED, run.error
    used = run.models_used
    assert (used["current"], used["shadow"]) == ("v-cur", "v-sh")
    comparison = used["comparison"]
    assert comparison["accounts"] > 0 and comparison["labelled_accounts"] == 1
    # the two copies are the same model: they flag the same accounts
    assert (
        comparison["shadow"]["flagged"] == comparison["current"]["flagged"] == comparison["flagged_by_both"]
    )
    assert comparison["only_shadow"] == comparison["only_current"] == 0
    assert labelled_account  # a label from the case disposition, though its account is not in the store
    assert comparison["shadow"]["suspicious_found"] == 0
    ml_alerts = Alert.objects.filter(run=run, rule_id="ml_account_risk").count()
    assert ml_alerts <= comparison["current"]["flagged"]  # the current model alerts; the shadow adds none


def test_disposition_labels_mark_suspicious_and_false_positive_accounts(org: Any) -> None:
    suspicious = make_case(org.haidian, status="closed", disposition="suspicious", disposition_reason="可疑")
    cleared = make_case(org.haidian, status="closed", disposition="false_positive", disposition_reason="误报")
    make_case(org.haidian, status="closed", disposition="keep_monitoring", disposition_reason="继续观察")
    make_alert(org.haidian)  # not in a case: no label
    labels = rulebook.disposition_labels()
    assert labels == {suspicious.alerts.get().account_id: 1, cleared.alerts.get().account_id: 0}


def test_the_rules_page_shows_the_configuration_and_the_pending_change(
    org: Any, analyst: Any, checker: Any, login_client: Any
) -> None:
    change = _propose(analyst, org.beijing)
    page = login_client(checker).get(f"/monitoring/rules/?unit={org.beijing.pk}")
    body = page.content.decode()
    assert page.status_code == 200 and "pboc_lv_cash v1" in body and "试运行较低阈值" in body
    assert f"/monitoring/rules/changes/{change.pk}/approve/" in body  # the checker may decide it
    response = login_client(checker).post(f"/monitoring/rules/changes/{change.pk}/approve/")
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == RuleChange.Status.APPROVED and change.decided_by == checker


def test_the_proposer_sees_no_approve_button_and_is_refused(
    org: Any, analyst: Any, login_client: Any
) -> None:
    change = _propose(analyst, org.beijing)
    client = login_client(analyst)
    assert (
        f"/monitoring/rules/changes/{change.pk}/approve/"
        not in client.get("/monitoring/rules/").content.decode()
    )
    assert client.post(f"/monitoring/rules/changes/{change.pk}/approve/").status_code == 409
    change.refresh_from_db()
    assert change.status == RuleChange.Status.PROPOSED


def test_a_change_with_bad_json_is_refused_by_the_form(org: Any, analyst: Any, login_client: Any) -> None:
    response = login_client(analyst).post(
        "/monitoring/rules/changes/",
        {
            "org_unit": org.beijing.pk,
            "rule_id": "pboc_lv_cash",
            "enabled": "on",
            "params": "{not json",
            "reason": "试运行较低阈值",
        },
    )
    assert response.status_code == 400 and "Not valid JSON." in response.content.decode()
    assert not RuleChange.objects.exists()
