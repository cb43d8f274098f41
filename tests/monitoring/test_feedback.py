"""Feedback loop: dispositions become labels in the AMLSim layout the engine trains on; models compared before promotion."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from finassure.monitoring import feedback, rulebook, services
from finassure.monitoring.models import Case
from finassure.platform.errors import Conflict, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import SHIPPED_MODEL, make_case, model_copy

pytestmark = pytest.mark.django_db


def _labelled(org: Any, store: Path) -> dict[str, int]:
    """Cases on three accounts of the store: two suspicious (one also cleared once), one false positive."""
    accounts = sorted({r["account_id"] for r in services.store_transactions(store=store, limit=5000)})[:3]
    plan = [
        (accounts[0], "suspicious"),
        (accounts[0], "false_positive"),
        (accounts[1], "suspicious"),
        (accounts[2], "false_positive"),
    ]
    for account, disposition in plan:
        case = make_case(
            org.haidian,
            status=Case.Status.CLOSED,
            disposition=disposition,
            disposition_reason="x",
            disposed_at=timezone.now(),
        )
        case.alerts.update(account_id=account)
    return {accounts[0]: 1, accounts[1]: 1, accounts[2]: 0}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_dispositions_are_exported_as_labels_in_the_amlsim_layout(
    org: Any, analyst: Any, engine_store: Path, tmp_path: Path
) -> None:
    expected = _labelled(org, engine_store)
    manifest = feedback.labels_export(actor=analyst, org_unit=org.beijing, out=tmp_path / "labels")
    nodes = {r["nodeid"]: int(r["isFraud"]) for r in _csv(tmp_path / "labels" / "nodes.csv")}
    assert nodes == expected
    assert (manifest["labelled_accounts"], manifest["suspicious"]) == (3, 2)
    edges = _csv(tmp_path / "labels" / "transactions.csv")
    assert len(edges) == manifest["edges"] > 0
    assert set(edges[0]) == {"sourceNodeId", "targetNodeId", "value", "time"}
    store = services.store_transactions(store=engine_store, limit=100000)
    paying = [r for r in store if r["direction"] == "out" and r["counterparty_account_id"]]
    assert len(edges) >= len(paying)  # every paying leg is an edge (plus payers outside the store)
    first = paying[0]
    assert {
        "sourceNodeId": first["account_id"],
        "targetNodeId": first["counterparty_account_id"],
        "value": f"{first['amount_cny']:.2f}",
        "time": str((first["local_date"] - dt.date(2000, 1, 1)).days),
    } in edges
    labels = _csv(tmp_path / "labels" / "labels.csv")
    assert {r["account_id"]: r["disposition"] for r in labels}[min(expected)] == "suspicious"
    assert AuditEvent.objects.filter(action="labels.exported", actor=analyst).exists()
    assert (
        json.loads((tmp_path / "labels" / "manifest.json").read_text("utf-8"))["sha256"] == manifest["sha256"]
    )


def test_without_a_suspicious_disposition_there_is_nothing_to_export(
    org: Any, analyst: Any, engine_store: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed):
        feedback.labels_export(actor=analyst, org_unit=org.beijing, out=tmp_path / "labels")
    assert not (tmp_path / "labels").exists()


def test_the_disposition_window_limits_the_labels(
    org: Any, analyst: Any, engine_store: Path, tmp_path: Path
) -> None:
    _labelled(org, engine_store)
    later = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed):  # nothing disposed after `later`
        feedback.labels_export(actor=analyst, org_unit=org.beijing, out=tmp_path / "l", since=later)
    assert (
        feedback.labels_export(actor=analyst, org_unit=org.beijing, out=tmp_path / "l", until=later)[
            "labelled_accounts"
        ]
        == 3
    )


def test_a_new_model_must_be_compared_on_the_same_labels_before_it_replaces_the_current_one(
    org: Any, analyst: Any, checker: Any, engine_store: Path, tmp_path: Path
) -> None:
    _labelled(org, engine_store)
    feedback.labels_export(actor=analyst, org_unit=org.beijing, out=tmp_path / "labels")
    current = rulebook.model_register(
        actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "c", "v1")
    )
    rulebook.model_role_request(
        actor=analyst, model=current, role="current", reason="首个上线模型"
    )  # no current yet
    rulebook.model_role_approve(actor=checker, model=current)
    new = rulebook.model_register(actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "n", "v2"))
    with pytest.raises(Conflict):
        rulebook.model_role_request(actor=analyst, model=new, role="current", reason="新模型更好")
    for model in (current, new):
        feedback.model_evaluate(actor=analyst, model=model, labels=tmp_path / "labels")
    new.refresh_from_db()
    scored = new.metrics["case_labels"]
    assert scored["accounts"] == 3 and scored["positives"] == 2 and scored["model"] == "v2"
    assert {"precision", "recall", "f1", "labels_sha256"} <= set(scored)
    new = rulebook.model_role_request(
        actor=analyst, model=new, role="current", reason="同一批案件标签上对比后更优"
    )
    assert new.requested_role == "current"


def test_the_command_exports_labels_and_the_engine_trains_on_them(
    org: Any, analyst: Any, engine_store: Path, tmp_path: Path, capsys: Any
) -> None:
    from finassure.engine.cli import main as engine

    _labelled(org, engine_store)
    call_command(
        "monitoring_labels",
        "export",
        "--user",
        analyst.username,
        "--unit",
        org.beijing.code,
        "--out",
        str(tmp_path / "labels"),
    )
    assert json.loads(capsys.readouterr().out)["suspicious"] == 2
    assert (
        engine(["train", "--amlsim", str(tmp_path / "labels"), "--graphs", "0", "--registry",
                str(tmp_path / "models")]) == 0
    )
    (version,) = list((tmp_path / "models").iterdir())
    model = rulebook.model_register(actor=analyst, org_unit=org.beijing, path=version)
    assert model.training["training_source"] == f"amlsim:{tmp_path / 'labels'}"


def test_the_models_page_shows_the_metrics_on_case_labels_side_by_side(
    org: Any, analyst: Any, login_client: Any, tmp_path: Path
) -> None:
    first = rulebook.model_register(
        actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "a", "v-a")
    )
    rulebook.model_register(actor=analyst, org_unit=org.beijing, path=model_copy(tmp_path / "b", "v-b"))
    first.metrics = {
        **first.metrics,
        "case_labels": {
            "precision": 0.5,
            "recall": 0.75,
            "f1": 0.6,
            "accounts": 40,
            "positives": 8,
            "labels_sha256": "abcdef1234567890",
        },
    }
    first.save()
    page = login_client(analyst).get("/monitoring/models/").content.decode()
    assert (
        "Case labels: P 0.5 · R 0.75 · F1 0.6 · 40 accounts, 8 suspicious" in page and "abcdef123456" in page
    )
    assert page.count("Not yet evaluated on case labels") == 1  # v-b
    # the shipped model was cross-validated inside a labelled AMLSim graph: that estimate is shown for both copies
    oof = json.loads((SHIPPED_MODEL / "meta.json").read_text("utf-8"))["metrics"]["amlsim_out_of_fold"]
    line = f"out-of-fold (5 folds by laundering ring): P {oof['precision']} · R {oof['recall']} · F1 {oof['f1']}"
    assert page.count(line) == 2
