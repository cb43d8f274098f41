"""Engine runs: import once, refuse bad outputs whole, failures visible and retried, the daily schedule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from finassure.monitoring import deadlines, services
from finassure.monitoring.models import Alert, CustomerUnit, LargeValueReport, Run
from finassure.platform.errors import PermissionDenied
from finassure.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text("utf-8"))


def test_a_run_calls_the_engine_and_imports_its_alerts(
    org: Any, analyst: Any, engine_output: Any, engine_store: Path
) -> None:
    run = services.run_start(actor=analyst, org_unit=org.haidian)
    expected = _manifest(engine_output["out"])["counts"]
    assert run.status == Run.Status.IMPORTED, run.error
    assert run.attempts == 1 and run.started_at and run.finished_at
    assert Alert.objects.count() == expected["alerts"] > 0
    assert run.counts["new"] == expected["alerts"] and run.counts["transactions"] == expected["transactions"]
    assert "SELECT" in run.rule_sql["pboc_lv_cash"].upper()
    assert set(run.outputs_sha256) == {"manifest.json", "alerts.jsonl", "alerts.parquet"}
    assert {"rules", "import"} <= set(run.timings)
    assert AuditEvent.objects.filter(action="run.imported", object_id=str(run.pk)).exists()


def test_importing_the_same_run_twice_adds_nothing(prepared_run: Run) -> None:
    services.run_import(run_id=prepared_run.pk)
    first = Alert.objects.count()
    run = services.run_import(run_id=prepared_run.pk)
    assert Alert.objects.count() == first > 0
    assert run.counts["new"] == 0 and run.counts["already_known"] == first


def test_a_later_run_with_the_same_alerts_adds_none(org: Any, prepared_run: Run, copied_output: Path) -> None:
    services.run_import(run_id=prepared_run.pk)
    again = Run.objects.create(org_unit=org.haidian, status=Run.Status.RUNNING, output_dir=str(copied_output))
    services.run_import(run_id=again.pk)
    assert Alert.objects.filter(run=again).count() == 0


def _refused(run: Run) -> str:
    with pytest.raises(services.RunOutputRefused) as exc:
        services.run_import(run_id=run.pk)
    assert Alert.objects.count() == 0
    assert LargeValueReport.objects.count() == 0
    return str(exc.value.message)


def test_a_truncated_alerts_file_is_refused_whole(prepared_run: Run, copied_output: Path) -> None:
    path = copied_output / "alerts.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "alerts.jsonl" in _refused(prepared_run)


def test_a_manifest_that_does_not_match_its_files_is_refused(prepared_run: Run, copied_output: Path) -> None:
    manifest = _manifest(copied_output)
    manifest["counts"]["alerts"] += 1
    (copied_output / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert "manifest states" in _refused(prepared_run)


def test_counts_by_rule_that_do_not_match_are_refused(prepared_run: Run, copied_output: Path) -> None:
    manifest = _manifest(copied_output)
    rule = next(iter(manifest["counts"]["by_rule"]))
    manifest["counts"]["by_rule"][rule] += 1
    (copied_output / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert "by rule" in _refused(prepared_run)


def test_a_corrupt_parquet_file_is_refused(prepared_run: Run, copied_output: Path) -> None:
    (copied_output / "alerts.parquet").write_bytes(b"PAR1 not really")
    assert "alerts.parquet" in _refused(prepared_run)


def test_a_missing_output_file_is_refused(prepared_run: Run, copied_output: Path) -> None:
    (copied_output / "alerts.parquet").unlink()
    assert "missing" in _refused(prepared_run)


def test_a_broken_manifest_is_refused(prepared_run: Run, copied_output: Path) -> None:
    (copied_output / "manifest.json").write_text('{"counts": ', "utf-8")
    assert "manifest.json" in _refused(prepared_run)


def test_files_changed_after_the_import_are_refused(prepared_run: Run, copied_output: Path) -> None:
    services.run_import(run_id=prepared_run.pk)
    lines = (copied_output / "alerts.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    first["score"] = 0.01
    (copied_output / "alerts.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", "utf-8")
    with pytest.raises(services.RunOutputRefused, match="changed"):
        services.run_import(run_id=prepared_run.pk)


def test_a_failed_run_shows_its_reason_and_is_retried(
    org: Any, analyst: Any, tmp_path: Path, engine_output: Any, settings: Any
) -> None:
    empty = tmp_path / "empty-store"
    empty.mkdir()
    run = services.run_start(actor=analyst, org_unit=org.haidian, store=empty)
    assert run.status == Run.Status.FAILED and "holds no transactions" in run.error
    assert AuditEvent.objects.filter(action="run.failed", object_id=str(run.pk)).exists()
    Run.objects.filter(pk=run.pk).update(input_path=str(engine_output["store"]))
    run.refresh_from_db()
    services.run_retry(actor=analyst, run=run)
    run = services.run_execute(run_id=run.pk)
    assert run.status == Run.Status.IMPORTED and run.attempts == 2 and run.error == ""
    assert Alert.objects.filter(run=run).exists()


def test_an_engine_crash_fails_the_run_with_nothing_imported(
    org: Any, analyst: Any, monkeypatch: Any
) -> None:
    def crash(**kwargs: Any) -> None:
        raise RuntimeError("duckdb out of memory")

    monkeypatch.setattr(services.runs, "engine_execute", crash)  # where run_start looks it up
    run = services.run_start(actor=analyst, org_unit=org.haidian)
    assert run.status == Run.Status.FAILED and "duckdb out of memory" in run.error
    assert Alert.objects.count() == 0


def test_only_a_failed_run_is_retried(prepared_run: Run, analyst: Any) -> None:
    from finassure.platform.errors import Conflict

    with pytest.raises(Conflict):
        services.run_retry(actor=analyst, run=prepared_run)


def test_runs_need_the_run_permission(org: Any, make_user: Any) -> None:
    viewer = make_user("executive", unit="beijing")
    with pytest.raises(PermissionDenied):
        services.run_request(actor=viewer, org_unit=org.haidian)
    assert Run.objects.count() == 0


def test_alerts_go_to_the_unit_of_their_customer(org: Any, prepared_run: Run, copied_output: Path) -> None:
    customer = json.loads((copied_output / "alerts.jsonl").read_text("utf-8").splitlines()[0])["customer_id"]
    CustomerUnit.objects.create(customer_id=customer, org_unit=org.shanghai)
    services.run_import(run_id=prepared_run.pk)
    assert set(Alert.objects.filter(customer_id=customer).values_list("org_unit", flat=True)) == {
        org.shanghai.pk
    }
    assert Alert.objects.exclude(customer_id=customer).exclude(org_unit=org.haidian).count() == 0


def test_large_value_hits_make_one_report_per_day_due_in_five_working_days(prepared_run: Run) -> None:
    services.run_import(run_id=prepared_run.pk)
    hits = Alert.objects.filter(rule_id__startswith="pboc_lv_")
    assert hits.exists()
    days = set(hits.values_list("date", flat=True))
    reports = LargeValueReport.objects.all()
    assert {r.report_date for r in reports} == days
    for report in reports:
        assert report.due_date == deadlines.add_working_days(report.report_date, 5)
        assert report.alerts.count() == hits.filter(date=report.report_date).count()


def test_the_daily_schedule_requests_a_run_of_the_head_office(org: Any) -> None:
    from finassure.monitoring import tasks
    from finassure.platform import scheduling

    assert "monitoring.daily_run" in {s.name for s in scheduling.schedules()}
    result = tasks.daily_run.call()
    run = Run.objects.get(pk=result["run"])
    assert run.trigger == Run.Trigger.SCHEDULED and run.status == Run.Status.PENDING
    assert run.org_unit.parent_id is None
    assert tasks.daily_run.call() == {"run": None}  # one waiting already: no pile-up


def test_the_bulk_import_stores_every_field_of_every_alert(prepared_run: Run, copied_output: Path) -> None:
    records = {
        r["alert_id"]: r
        for r in map(json.loads, (copied_output / "alerts.jsonl").read_text("utf-8").splitlines())
    }
    before = timezone.now()
    services.run_import(run_id=prepared_run.pk)
    stored = {a.alert_id: a for a in Alert.objects.all()}
    assert set(stored) == set(records)
    for alert_id, rec in records.items():
        a = stored[alert_id]
        assert (a.rule_id, a.customer_id, a.account_id, a.severity, a.score) == (
            rec["rule_id"],
            rec["customer_id"],
            rec["account_id"],
            rec["severity"],
            rec["score"],
        )
        assert a.date == (dt.date.fromisoformat(rec["date"]) if rec.get("date") else None)
        assert a.txn_ids == list(rec.get("txn_ids") or []) and a.txn_count == int(rec.get("txn_count") or 0)
        assert a.top_features == list(rec.get("top_features") or [])
        assert a.top_features_zh == list(rec.get("top_features_zh") or [])
        assert (a.value, a.threshold, a.model_score) == (
            rec.get("value"),
            rec.get("threshold"),
            rec.get("model_score"),
        )
        assert a.explanation_zh == (rec.get("explanation_zh") or "") and a.status == Alert.Status.OPEN
        assert a.run_id == prepared_run.pk and a.created_at >= before and a.resolution == ""
        if a.is_large_value and a.date:
            assert a.lv_report == LargeValueReport.objects.get(org_unit=a.org_unit, report_date=a.date)
        else:
            assert a.lv_report is None
    assert any(a.is_large_value for a in stored.values())


def test_a_failed_runs_reason_is_kept_in_the_institutions_language(
    org: Any, analyst: Any, tmp_path: Path, settings: Any
) -> None:
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    empty = tmp_path / "empty-store"
    empty.mkdir()
    with translation.override("en"):  # whoever started it reads English; the run is the institution's record
        run = services.run_start(actor=analyst, org_unit=org.haidian, store=empty)
    assert run.status == Run.Status.FAILED and "中没有交易" in run.error
