"""Writes of risk monitoring that touch the engine: runs, the import of their alerts, store reads, real-time scoring.

This is the one module that imports `finassure.engine` (DESIGN.md §3): the platform reaches the engine only
through its documented inputs and outputs — the transaction store, the run folder (manifest.json,
alerts.jsonl, alerts.parquet) and `score_transaction()`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import operator
import os
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import Institution, OrgUnit
from finassure.monitoring import deadlines, perms
from finassure.monitoring.models import (
    SEVERITY_RANK,
    Alert,
    CustomerUnit,
    LargeValueReport,
    ReportStatus,
    Run,
    ScoreResult,
    Severity,
)
from finassure.platform import audit
from finassure.platform.errors import ApplicationError, Conflict, ValidationFailed

log = logging.getLogger(__name__)

REQUIRED_ALERT_FIELDS = frozenset({"alert_id", "rule_id", "customer_id", "account_id", "score", "severity"})
OUTPUT_FILES = ("manifest.json", "alerts.jsonl", "alerts.parquet")
_CHUNK = 5000


class RunOutputRefused(ValidationFailed):
    """A run's output that is corrupt, partial or does not match its manifest: nothing of it is imported."""

    code = "run_output_refused"


class TransactionRefused(ValidationFailed):
    """A transaction the real-time scorer cannot score (an unknown currency, say): 422 in the one error shape."""

    status = 422


# --- where things are --------------------------------------------------------------------------------------------


def transaction_store() -> Path:
    """The institution's Parquet transaction store (setting FINASSURE_TRANSACTION_STORE, default VAR_DIR/transactions)."""
    configured = getattr(settings, "FINASSURE_TRANSACTION_STORE", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "transactions"


def runs_root() -> Path:
    configured = getattr(settings, "FINASSURE_MONITORING_RUNS_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "monitoring" / "runs"


def monitoring_unit() -> OrgUnit | None:
    """The unit scheduled runs belong to: the head office of the institution (setting or the first one)."""
    code = getattr(settings, "FINASSURE_MONITORING_INSTITUTION", None)
    institutions = Institution.objects.order_by("id")
    institution = institutions.filter(code=code).first() if code else institutions.first()
    if institution is None:
        return None
    return institution.org_units.filter(parent__isnull=True).first()


# --- runs --------------------------------------------------------------------------------------------------------


@transaction.atomic
def run_request(
    *,
    actor: Any,
    org_unit: OrgUnit,
    trigger: str = Run.Trigger.MANUAL,
    store: str | Path | None = None,
    enqueue: bool = True,
) -> Run:
    """Record a pending run and hand it to the worker (after commit)."""
    if actor is not None:
        access.require(actor, perms.RUN, org_unit)
    if Run.objects.filter(org_unit=org_unit, status__in=[Run.Status.PENDING, Run.Status.RUNNING]).exists():
        raise Conflict(_("A run of this unit is already waiting or running."))
    run = Run.objects.create(
        org_unit=org_unit,
        trigger=trigger,
        requested_by=actor if actor else None,
        input_path=str(store or transaction_store()),
    )
    run.output_dir = str(runs_root() / f"run-{run.pk}")
    run.save(update_fields=["output_dir"])
    audit.record(
        action="run.requested",
        actor=actor,
        obj=run,
        detail={"trigger": trigger, "store": run.input_path},
        actor_repr="" if actor else "system",
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from finassure.monitoring import tasks

    tasks.execute_run.enqueue(run_id)


def run_start(
    *, actor: Any, org_unit: OrgUnit, trigger: str = Run.Trigger.MANUAL, store: str | Path | None = None
) -> Run:
    """Run the engine now (in this process) over the store and import its alerts; returns the finished run."""
    run = run_request(actor=actor, org_unit=org_unit, trigger=trigger, store=store, enqueue=False)
    return run_execute(run_id=run.pk)


@transaction.atomic
def run_retry(*, actor: Any, run: Run) -> Run:
    """A failed run goes back to the worker; the engine reuses the rules it had finished."""
    access.require(actor, perms.RUN, run.org_unit)
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != Run.Status.FAILED:
        raise Conflict(_("Only a failed run can be retried."))
    before = audit.snapshot(run, ["status", "error"])
    run.status, run.error = Run.Status.PENDING, ""
    run.save(update_fields=["status", "error", "updated_at"])
    audit.record(
        action="run.retried", actor=actor, obj=run, changes=audit.diff(before, audit.snapshot(run, before))
    )
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def run_execute(*, run_id: int) -> Run:
    """Worker side: engine run, then the import; any failure leaves the run FAILED with its reason, nothing imported."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.status not in (Run.Status.PENDING, Run.Status.FAILED):
            return run
        run.status, run.error = Run.Status.RUNNING, ""
        run.attempts += 1
        run.started_at, run.finished_at = timezone.now(), None
        run.save()
    try:
        _engine_run(run)
        run_import(run_id=run.pk)
    except ApplicationError as exc:
        _fail(run.pk, str(exc.message))
    except Exception as exc:  # the engine's own errors: recorded on the run, never swallowed silently
        log.exception("engine run %s failed", run.pk)
        _fail(run.pk, f"{type(exc).__name__}: {exc}")
    return Run.objects.get(pk=run.pk)


def _engine_run(run: Run) -> None:
    """The engine over the store with the approved rule changes and the current model; the shadow model compared."""
    from finassure.monitoring import rulebook

    out = Path(run.output_dir)
    rules_file, rule_config = rulebook.rules_file_for(
        org_unit=run.org_unit, folder=out.parent / f"{out.name}-config"
    )
    models = rulebook.models_in_force(org_unit=run.org_unit)
    current, shadow = models.get("current"), models.get("shadow")
    used: dict[str, Any] = {
        "current": current.version if current else None,
        "shadow": shadow.version if shadow else None,
    }
    Run.objects.filter(pk=run.pk).update(rule_config=rule_config, models_used=used)
    engine_execute(
        store=Path(run.input_path), out=out, rules_file=rules_file, model=current.path if current else None
    )
    if shadow is not None:
        try:
            used["comparison"] = rulebook.shadow_compare(
                store=Path(run.input_path), org_unit=run.org_unit, current=current, shadow=shadow
            )
        except Exception as exc:  # a broken shadow model never fails the run that alerts
            log.exception("shadow scoring of run %s failed", run.pk)
            used["comparison"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        Run.objects.filter(pk=run.pk).update(models_used=used)


def engine_execute(
    *, store: Path, out: Path, rules_file: Path | None = None, model: str | None = None
) -> dict[str, Any]:
    """The engine's batch run over a store into a run folder; returns its manifest."""
    from finassure.engine.ingest.store import TransactionStore
    from finassure.engine.run import run as engine_run

    if not TransactionStore.is_store(store):
        raise ValidationFailed(_("The transaction store %(path)s holds no transactions.") % {"path": store})
    return engine_run(store, out, rules_file=rules_file, model=model).manifest


@transaction.atomic
def _fail(run_id: int, reason: str) -> None:
    run = Run.objects.select_for_update().get(pk=run_id)
    run.status, run.error, run.finished_at = Run.Status.FAILED, reason[:4000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    audit.record(
        action="run.failed", obj=run, outcome="failure", detail={"reason": reason[:500]}, actor_repr="system"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_run_outputs(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """The manifest and alerts of a run folder, checked against each other; RunOutputRefused says what is wrong."""
    for name in OUTPUT_FILES:
        if not (out / name).is_file():
            raise RunOutputRefused(_("The run output is incomplete: %(name)s is missing.") % {"name": name})
    try:
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise RunOutputRefused(_("manifest.json is not valid JSON.")) from None
    counts = manifest.get("counts") if isinstance(manifest, dict) else None
    expected = counts.get("alerts") if isinstance(counts, dict) else None
    by_rule = counts.get("by_rule") if isinstance(counts, dict) else None
    if not isinstance(expected, int) or not isinstance(by_rule, dict):
        raise RunOutputRefused(_("manifest.json does not state the alert counts."))
    rows = _read_jsonl(out / "alerts.jsonl")
    if len(rows) != expected:
        raise RunOutputRefused(
            _("The manifest states %(expected)s alerts but alerts.jsonl holds %(found)s.")
            % {"expected": expected, "found": len(rows)}
        )
    found_by_rule = Counter(r["rule_id"] for r in rows)
    if {k: int(v) for k, v in by_rule.items() if int(v)} != dict(found_by_rule):
        raise RunOutputRefused(_("The alert counts by rule in the manifest do not match alerts.jsonl."))
    ids = [r["alert_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise RunOutputRefused(_("alerts.jsonl repeats an alert id."))
    _check_parquet(out / "alerts.parquet", set(ids))
    return manifest, rows, {name: _sha256(out / name) for name in OUTPUT_FILES}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open("r", encoding="utf-8", errors="strict") as fh:
        try:
            for number, line in enumerate(fh, 1):
                try:
                    rec = json.loads(line)
                except ValueError:
                    raise RunOutputRefused(
                        _("alerts.jsonl line %(n)s is not valid JSON (a partial or corrupt file).")
                        % {"n": number}
                    ) from None
                missing = REQUIRED_ALERT_FIELDS - set(rec) if isinstance(rec, dict) else REQUIRED_ALERT_FIELDS
                if missing:
                    raise RunOutputRefused(
                        _("alerts.jsonl line %(n)s lacks %(fields)s.")
                        % {"n": number, "fields": ", ".join(sorted(missing))}
                    )
                if rec["severity"] not in SEVERITY_RANK or not isinstance(rec["score"], int | float):
                    raise RunOutputRefused(
                        _("alerts.jsonl line %(n)s has an unknown severity or a non-numeric score.")
                        % {"n": number}
                    )
                rows.append(rec)
        except UnicodeDecodeError:
            raise RunOutputRefused(_("alerts.jsonl is not UTF-8 text.")) from None
    return rows


def _check_parquet(path: Path, ids: set[str]) -> None:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["alert_id"])
    except Exception:  # pyarrow raises several types for truncated or foreign files
        raise RunOutputRefused(_("alerts.parquet cannot be read (a partial or corrupt file).")) from None
    if set(table.column("alert_id").to_pylist()) != ids or table.num_rows != len(ids):
        raise RunOutputRefused(_("alerts.parquet and alerts.jsonl hold different alerts."))


@transaction.atomic
def run_import(*, run_id: int) -> Run:
    """Import a run's alerts once: alerts already known (same engine alert id) are skipped; all or nothing."""
    started = time.perf_counter()
    run = Run.objects.select_for_update().get(pk=run_id)
    manifest, rows, hashes = read_run_outputs(Path(run.output_dir))
    if run.outputs_sha256 and run.outputs_sha256 != hashes:
        raise RunOutputRefused(_("The run's files changed since they were imported."))
    ids = [r["alert_id"] for r in rows]
    known: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        known.update(
            Alert.objects.filter(alert_id__in=ids[i : i + _CHUNK]).values_list("alert_id", flat=True)
        )
    fresh = [r for r in rows if r["alert_id"] not in known]
    units = _customer_units({r["customer_id"] for r in fresh})
    due = deadlines.review_due(timezone.localdate())
    values = [_alert_values(run, rec, units, due) for rec in fresh]
    lv_reports = _lv_reports_link(values)
    created = _insert_alerts(values)
    run.manifest = {k: v for k, v in manifest.items() if k != "rules"} | {
        "rules": [{k: v for k, v in r.items() if k != "sql"} for r in manifest.get("rules", [])]
    }
    run.rule_sql = {
        r.get("id", "?"): (r.get("sql") or {}).get("duckdb", "") for r in manifest.get("rules", [])
    }
    run.counts = {
        "transactions": manifest.get("counts", {}).get("transactions"),
        "alerts": len(rows),
        "new": created,
        "already_known": len(rows) - created,
        "lv_reports": lv_reports,
        "by_rule": manifest["counts"]["by_rule"],
    }
    run.timings = {**manifest.get("timings", {}), "import": round(time.perf_counter() - started, 3)}
    run.outputs_sha256 = hashes
    run.status, run.finished_at, run.error = Run.Status.IMPORTED, timezone.now(), ""
    run.save()
    audit.record(
        action="run.imported",
        obj=run,
        actor_repr="system",
        detail={"alerts": len(rows), "new": created, "sha256": hashes},
    )
    return run


def _customer_units(customers: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    listed = sorted(customers)
    for i in range(0, len(listed), _CHUNK):
        found.update(
            CustomerUnit.objects.filter(customer_id__in=listed[i : i + _CHUNK]).values_list(
                "customer_id", "org_unit_id"
            )
        )
    return found


def _alert(run: Run, rec: dict[str, Any], units: dict[str, int], due: dt.date) -> Alert:
    day = rec.get("date")
    return Alert(
        alert_id=str(rec["alert_id"])[:64],
        run=run,
        org_unit_id=units.get(rec["customer_id"], run.org_unit_id),
        rule_id=str(rec["rule_id"])[:64],
        rule_version=str(rec.get("rule_version") or "")[:32],
        customer_id=str(rec["customer_id"])[:64],
        account_id=str(rec["account_id"])[:64],
        date=dt.date.fromisoformat(day) if day else None,
        direction=rec.get("direction") or "",
        currency=rec.get("currency") or "",
        value=rec.get("value"),
        threshold=rec.get("threshold"),
        txn_count=int(rec.get("txn_count") or 0),
        txn_ids=list(rec.get("txn_ids") or []),
        score=float(rec["score"]),
        model_score=rec.get("model_score"),
        severity=rec["severity"],
        severity_rank=SEVERITY_RANK[rec["severity"]],
        explanation=rec.get("explanation") or "",
        explanation_zh=rec.get("explanation_zh") or "",
        top_features=list(rec.get("top_features") or []),
        due_date=due,
    )


def _alert_values(run: Run, rec: dict[str, Any], units: dict[str, int], due: dt.date) -> dict[str, Any]:
    """One alert row as column values (attnames), for the bulk insert; the same mapping as `_alert`."""
    day = rec.get("date")
    return {
        "alert_id": str(rec["alert_id"])[:64],
        "run_id": run.pk,
        "org_unit_id": units.get(rec["customer_id"], run.org_unit_id),
        "rule_id": str(rec["rule_id"])[:64],
        "rule_version": str(rec.get("rule_version") or "")[:32],
        "customer_id": str(rec["customer_id"])[:64],
        "account_id": str(rec["account_id"])[:64],
        "date": dt.date.fromisoformat(day) if day else None,
        "direction": rec.get("direction") or "",
        "currency": rec.get("currency") or "",
        "value": rec.get("value"),
        "threshold": rec.get("threshold"),
        "txn_count": int(rec.get("txn_count") or 0),
        "txn_ids": list(rec.get("txn_ids") or []),
        "score": float(rec["score"]),
        "model_score": rec.get("model_score"),
        "severity": rec["severity"],
        "severity_rank": SEVERITY_RANK[rec["severity"]],
        "explanation": rec.get("explanation") or "",
        "explanation_zh": rec.get("explanation_zh") or "",
        "top_features": list(rec.get("top_features") or []),
        "due_date": due,
    }


def _lv_reports_link(values: list[dict[str, Any]]) -> int:
    """`lv_reports_attach` for alert rows: large-value hits point at their unit's and day's draft report."""
    days: dict[tuple[int, dt.date], list[dict[str, Any]]] = {}
    for row in values:
        if row["date"] is not None and row["rule_id"].startswith("pboc_lv_"):
            days.setdefault((row["org_unit_id"], row["date"]), []).append(row)
    for (unit_id, day), hits in days.items():
        report, _created = LargeValueReport.objects.get_or_create(
            org_unit_id=unit_id, report_date=day, defaults={"due_date": deadlines.report_due(day)}
        )
        if report.status == ReportStatus.DRAFT:
            for row in hits:
                row["lv_report_id"] = report.pk
    return len(days)


def _insert_alerts(values: list[dict[str, Any]], batch: int = 10_000) -> int:
    """Insert alert rows in bulk: `executemany` of pre-adapted tuples (SQLite), `COPY` (PostgreSQL).

    Django's bulk_create spends ~0.3 ms of CPU per alert preparing 33 values (and SQLite's 999-parameter
    limit cuts it into 30-row statements); here each value is converted once by a per-column function.
    Columns the rows do not name take the field's default. Runs inside the caller's transaction, so a
    failure (a duplicate engine id racing another import, say) leaves nothing behind.
    """
    from django.db import connections, router
    from django.db.models import DateField, DateTimeField, JSONField

    if not values:
        return 0
    connection = connections[router.db_for_write(Alert)]
    sqlite = connection.vendor == "sqlite"
    fields = [f for f in Alert._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now) if sqlite else now
    converters: list[Any] = []
    defaults: list[Any] = []
    for f in fields:
        if f.attname in ("created_at", "updated_at"):
            converters.append(None)
            defaults.append(stamp)
            continue
        default = f.get_default()
        if isinstance(f, JSONField):
            converters.append(lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        elif isinstance(f, DateTimeField):
            converters.append(lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v))
        elif isinstance(f, DateField) and sqlite:
            converters.append(lambda v: None if v is None else v.isoformat())
        else:
            converters.append(lambda v: v)
        defaults.append(converters[-1](default))
    plan = list(zip([f.attname for f in fields], converters, defaults, strict=True))
    table = connection.ops.quote_name(Alert._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        for start in range(0, len(values), batch):
            rows = [
                tuple(
                    default
                    if (value := row.get(name, _MISSING)) is _MISSING or convert is None
                    else convert(value)
                    for name, convert, default in plan
                )
                for row in values[start : start + batch]
            ]
            if sqlite:
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608
            else:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row_values in rows:
                        copy.write_row(row_values)
    return len(values)


_MISSING = object()


def lv_reports_attach(*, alerts: list[Alert]) -> int:
    """Point new large-value hits at the draft report of their unit and day (created on first hit); returns how many.

    A day whose report is already submitted or filed keeps it unchanged; such late hits stay unattached
    and visible in the queue.
    """
    days: dict[tuple[int, dt.date], list[Alert]] = {}
    for alert in alerts:
        if alert.date is not None:
            days.setdefault((alert.org_unit_id, alert.date), []).append(alert)
    for (unit_id, day), hits in days.items():
        report, _created = LargeValueReport.objects.get_or_create(
            org_unit_id=unit_id, report_date=day, defaults={"due_date": deadlines.report_due(day)}
        )
        if report.status == ReportStatus.DRAFT:
            for alert in hits:
                alert.lv_report = report
    return len(days)


def run_scheduled() -> Run | None:
    """The daily run of the head office over the store; skipped while another is waiting or running."""
    unit = monitoring_unit()
    if unit is None:
        return None
    try:
        return run_request(actor=None, org_unit=unit, trigger=Run.Trigger.SCHEDULED)
    except Conflict:
        return None


# --- the transaction store ---------------------------------------------------------------------------------------


def store_transactions(
    *,
    txn_ids: list[str] | None = None,
    accounts: list[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store: Path | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Transactions of the store by id, or of accounts (either side) between two local dates; oldest first."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from finassure.engine.ingest.store import TransactionStore
    from finassure.engine.schema import STORED_SCHEMA

    files = TransactionStore(store or transaction_store()).files()
    if not files or (txn_ids is not None and not txn_ids):
        return []
    filters = []
    if txn_ids is not None:
        filters.append(pc.field("txn_id").isin(txn_ids))
    if accounts is not None:
        filters.append(
            pc.field("account_id").isin(accounts) | pc.field("counterparty_account_id").isin(accounts)
        )
    if start is not None:
        filters.append(pc.field("local_date") >= pa.scalar(start, type=pa.date32()))
    if end is not None:
        filters.append(pc.field("local_date") <= pa.scalar(end, type=pa.date32()))
    expr = functools.reduce(operator.and_, filters) if filters else None
    table = ds.dataset([str(f) for f in files], format="parquet", schema=STORED_SCHEMA).to_table(
        filter=expr,
        columns=[
            "txn_id",
            "ts",
            "account_id",
            "customer_id",
            "direction",
            "amount",
            "currency",
            "channel",
            "counterparty_account_id",
            "counterparty_bank",
            "counterparty_country",
            "amount_cny",
            "local_date",
        ],
    )
    table = table.sort_by([("ts", "ascending"), ("txn_id", "ascending")]).slice(0, limit)
    return table.to_pylist()


# --- real-time scoring -------------------------------------------------------------------------------------------


def transaction_score(*, actor: Any, txn: dict[str, Any]) -> tuple[ScoreResult, bool]:
    """Score one transaction with the engine's real-time scorer; a repeated transaction id gets its first result.

    The hot path of the scoring API (benchmarks/monitoring/RESULTS.md): one indexed look-up of the id, the
    engine's in-memory (or Redis) scorer, one INSERT; a transaction only when a blocked decision opens an alert.
    """
    access.require(actor, perms.SCORE)
    if _score_known(txn["txn_id"]):
        return ScoreResult.objects.get(txn_id=txn["txn_id"]), False
    try:
        scorer, rule_changes = realtime_scorer_for(actor.org_unit_id)
        result = scorer.score(dict(txn))
        if rule_changes:
            result["rule_changes"] = rule_changes  # kept in the stored result: which approved changes applied
    except (KeyError, ValueError) as exc:
        raise TransactionRefused(
            _("The transaction cannot be scored: %(reason)s") % {"reason": exc},
            fields={"request": [str(exc)]},
        ) from None
    stored = ScoreResult(
        org_unit_id=actor.org_unit_id,
        txn_id=txn["txn_id"],
        requested_by=actor,
        request=json.loads(json.dumps(txn, default=str)),
        result=json.loads(json.dumps(result, default=str)),
    )
    blocked = result["decision"] == "block"
    # Outside a transaction a pass/review is one INSERT in autocommit (no BEGIN/COMMIT round trips on the
    # common path); inside one (or when an alert is opened too) a savepoint keeps a lost race harmless.
    atomic: Any = (
        transaction.atomic() if blocked or transaction.get_connection().in_atomic_block else nullcontext()
    )
    try:
        with atomic:
            stored.save(force_insert=True)
            if blocked:
                stored.alert = _realtime_alert(txn, result, default_unit_id=actor.org_unit_id)
                if txn.get("suspected_fraud"):
                    reference = _fraud_incident(actor=actor, txn=txn, alert=stored.alert)
                    if reference:
                        stored.result = {**stored.result, "incident": reference}
                stored.save(update_fields=["alert", "result"])
    except IntegrityError:  # the same id scored concurrently: the first one stored wins
        return ScoreResult.objects.get(txn_id=txn["txn_id"]), False
    return stored, True


def _score_known(txn_id: str) -> bool:
    """Whether a transaction id was scored before: one primary-key probe on the unique index, no ORM compile."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {ScoreResult._meta.db_table} WHERE txn_id = %s", [txn_id])  # noqa: S608
        return cursor.fetchone() is not None


_SCORER: Any = None


def realtime_scorer() -> Any:
    """The engine's real-time scorer, built once per process (rules and FX table loaded once).

    Its running state (daily totals, recent incoming amounts) lives in this process unless
    FINASSURE_REALTIME_REDIS_URL is set; with several server processes set it, or each process keeps its own
    totals and a large-value split across processes is missed.
    """
    global _SCORER
    if _SCORER is None:
        from finassure.engine.realtime import MemoryState, RedisState, Scorer

        url = getattr(settings, "FINASSURE_REALTIME_REDIS_URL", None) or os.environ.get(
            "FINASSURE_REALTIME_REDIS_URL"
        )
        _SCORER = Scorer(state=RedisState(url) if url else MemoryState())
    return _SCORER


REALTIME_RULES_REFRESH_S = 30.0
_SCORERS: dict[
    str, Any
] = {}  # changes (as JSON) -> scorer applying them, sharing the state of the base scorer


def realtime_scorer_for(org_unit_id: int) -> tuple[Any, str]:
    """The scorer for callers of `org_unit_id`: the engine's rules with the approved changes in force there.

    The changes in force are looked up at most every REALTIME_RULES_REFRESH_S seconds per unit (an approval
    in this process forgets them at once; other server processes see it within that delay). All variants
    share the base scorer's state and FX table. Returns the scorer and the signature of the applied changes
    ("rule_id:change_id,…", empty when only built-in rules apply).
    """
    import time as _time

    from finassure.monitoring import rulebook

    now = _time.monotonic()
    cached = rulebook.REALTIME_RULES.get(org_unit_id)
    if cached is None or now - cached[0] > REALTIME_RULES_REFRESH_S:
        unit = OrgUnit.objects.filter(pk=org_unit_id).only("id", "path").first()
        in_force = rulebook.rules_in_force(org_unit=unit) if unit is not None else {}
        signature = ",".join(f"{rid}:{c.pk}" for rid, c in sorted(in_force.items()))
        overrides = {rid: {"enabled": c.enabled, "params": c.params} for rid, c in in_force.items()}
        key = json.dumps(overrides, sort_keys=True, default=str)
        if signature and key not in _SCORERS:
            from finassure.engine.realtime import Scorer
            from finassure.engine.rules import load_rules

            base = realtime_scorer()
            _SCORERS[key] = Scorer(
                state=base.state, fx=base.fx, rules={r.id: r for r in load_rules(overrides=overrides)}
            )
        cached = (now, signature, key)
        rulebook.REALTIME_RULES[org_unit_id] = cached
    _checked, signature, key = cached
    return (_SCORERS[key] if signature else realtime_scorer()), signature


def _realtime_alert(txn: dict[str, Any], result: dict[str, Any], *, default_unit_id: int) -> Alert:
    """A blocked transaction opens a high-severity alert at once, in its customer's unit."""
    ranked = sorted(result.get("hits", []), key=lambda h: -float(h.get("score", 0)))
    hits = [h["rule_id"] for h in ranked]  # the strongest hit names the alert
    unit_id = _customer_units({txn["customer_id"]}).get(txn["customer_id"], default_unit_id)
    ts = txn["ts"] if isinstance(txn["ts"], dt.datetime) else dt.datetime.fromisoformat(str(txn["ts"]))
    day = timezone.localtime(ts).date()
    rules = ", ".join(hits) or "model"
    alert = Alert.objects.create(
        alert_id="rt-" + hashlib.sha256(str(txn["txn_id"]).encode()).hexdigest()[:20],
        run=None,
        org_unit_id=unit_id,
        rule_id=f"realtime:{hits[0] if hits else 'model'}"[:64],
        rule_version="realtime",
        customer_id=str(txn["customer_id"]),
        account_id=str(txn["account_id"]),
        date=day,
        direction=str(txn["direction"]),
        currency=str(txn["currency"]),
        value=float(txn["amount"]),
        txn_count=1,
        txn_ids=[str(txn["txn_id"])],
        score=float(result["score"]),
        model_score=result.get("model_score"),
        severity=Severity.HIGH,
        severity_rank=SEVERITY_RANK[Severity.HIGH],
        explanation=f"Real-time scoring blocked transaction {txn['txn_id']} (score {result['score']}; {rules}).",
        explanation_zh=f"实时评分拦截交易 {txn['txn_id']}（评分 {result['score']}；{rules}）。",
        due_date=deadlines.review_due(timezone.localdate()),
    )
    audit.record(
        action="alert.opened_realtime", obj=alert, actor_repr="system", detail={"txn_id": txn["txn_id"]}
    )
    return alert


def _fraud_incident(*, actor: Any, txn: dict[str, Any], alert: Alert) -> str | None:
    """A blocked transaction the caller reports as suspected fraud opens a fraud incident (incidents module).

    Only when the incidents app is installed and has an active incident type `fraud`; the incident is reported
    by the API caller (anyone who works in the institution may report one). A refusal there never loses the
    score or the alert: it is logged and audited, and the answer carries no incident.
    """
    from django.apps import apps

    if not apps.is_installed("finassure.incidents"):
        return None
    from finassure.incidents import services as incidents
    from finassure.incidents.models import IncidentType

    kind = IncidentType.objects.filter(code="fraud", is_active=True).first()
    if kind is None:
        return None
    try:
        with transaction.atomic():
            incident = incidents.incident_report(
                actor=actor,
                org_unit=alert.org_unit,
                incident_type=kind,
                title=f"实时评分拦截疑似欺诈交易 {txn['txn_id']}"[:200],
                description=f"{alert.explanation_zh}\n{alert.explanation}\n"
                f"客户 {alert.customer_id}，账户 {alert.account_id}，金额 {alert.value} {alert.currency}。",
                occurred_at=txn["ts"] if isinstance(txn["ts"], dt.datetime) else None,
            )
    except ApplicationError as exc:
        log.warning("no fraud incident for %s: %s", txn["txn_id"], exc.message)
        audit.record(
            action="alert.incident_refused",
            obj=alert,
            actor=actor,
            outcome="failure",
            detail={"reason": str(exc.message)[:500]},
        )
        return None
    audit.record(
        action="alert.incident_opened", obj=alert, actor=actor, detail={"incident": incident.reference}
    )
    return str(incident.reference)


# --- demo data ---------------------------------------------------------------------------------------------------


def demo_store_generate(*, store: Path, rows: int, seed: int = 7) -> dict[str, Any]:
    """Generate synthetic transactions with the engine's generator and ingest them into the store."""
    import tempfile

    from finassure.engine.generate import generate
    from finassure.engine.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "demo.parquet"
        generate(source, rows=rows, seed=seed)
        report = ingest(source, store)
    return {"new": report.new, "already_stored": report.already_stored}
