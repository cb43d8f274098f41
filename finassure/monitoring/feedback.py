"""The feedback loop: case dispositions become labels the engine can train and be evaluated on.

`labels_export` writes a label folder (docs/monitoring-reports.md, "Label export") in the AMLSim layout the
engine's documented CLI already reads — `finassure engine train --amlsim DIR` and
`finassure engine eval --amlsim DIR --model M` — plus a plain `labels.csv` and a `manifest.json`:

- `transactions.csv` (sourceNodeId, targetNodeId, value, time): the store's transfers between accounts, one
  edge per transfer (the paying leg; an incoming leg only when the payer is not an account of the store),
  value in CNY, time as the day number since 2000-01-01;
- `nodes.csv` (nodeid, isFraud): the labelled accounts — 1 for accounts of cases disposed suspicious, 0 for
  false positives ("keep monitoring" is no label);
- `labels.csv`: account_id, customer_id, label, case_id, disposition, disposed_at (for people).

`model_evaluate` scores a registered model version on such a folder and stores the result under
`metrics["case_labels"]` with the folder's sha256, so the Models page compares a new version with the current
one on the same labels; promotion to current refuses a candidate not compared that way.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.monitoring import perms
from finassure.monitoring.models import Alert, Case, ModelVersion
from finassure.platform import audit
from finassure.platform.errors import ValidationFailed

EPOCH = dt.date(2000, 1, 1)
LABEL_FILES = ("transactions.csv", "nodes.csv", "labels.csv")


def _label_rows(
    org_unit: OrgUnit, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[dict[str, Any]]:
    qs = Alert.objects.filter(
        org_unit__path__startswith=org_unit.path,
        case__status=Case.Status.CLOSED,
        case__disposition__in=[Case.Disposition.SUSPICIOUS, Case.Disposition.FALSE_POSITIVE],
    )
    if since is not None:
        qs = qs.filter(case__disposed_at__gte=since)
    if until is not None:
        qs = qs.filter(case__disposed_at__lt=until)
    values = (
        qs.values("account_id", "customer_id", "case_id", "case__disposition", "case__disposed_at")
        .order_by("account_id", "case_id")
        .distinct()
    )
    by_account: dict[str, dict[str, Any]] = {}
    for row in values:
        label = int(row["case__disposition"] == Case.Disposition.SUSPICIOUS)
        known = by_account.get(row["account_id"])
        if known is None or label > known["label"]:  # suspicious in any case wins
            by_account[row["account_id"]] = {
                "account_id": row["account_id"],
                "customer_id": row["customer_id"],
                "label": label,
                "case_id": row["case_id"],
                "disposition": row["case__disposition"],
                "disposed_at": row["case__disposed_at"].isoformat() if row["case__disposed_at"] else "",
            }
    return [by_account[k] for k in sorted(by_account)]


def _edges(store: Path) -> list[tuple[str, str, float, int]]:
    import pyarrow.compute as pc

    from finassure.engine.ingest.store import TransactionStore

    table = (
        TransactionStore(store)
        .read()
        .select(["account_id", "counterparty_account_id", "direction", "amount_cny", "local_date"])
    )
    table = table.filter(pc.is_valid(table.column("counterparty_account_id")))
    own = set(table.column("account_id").to_pylist())
    edges = []
    for row in table.to_pylist():
        day = (row["local_date"] - EPOCH).days
        amount = float(row["amount_cny"] or 0)
        if row["direction"] == "out":
            edges.append((row["account_id"], row["counterparty_account_id"], amount, day))
        elif row["counterparty_account_id"] not in own:  # the payer's leg is not in the store
            edges.append((row["counterparty_account_id"], row["account_id"], amount, day))
    return edges


def _sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in LABEL_FILES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def labels_export(
    *,
    actor: Any,
    org_unit: OrgUnit,
    out: Path,
    store: Path | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any]:
    """Write the label folder for `org_unit`'s closed cases over the transaction store; returns its manifest.

    `since`/`until` bound the disposition time, so a model trained on labels up to a day is compared with the
    current one on labels disposed after it (the same labels for training and comparison would favour the new
    model).
    """
    from finassure.monitoring import services

    access.require(actor, perms.TUNE, org_unit)
    rows = _label_rows(org_unit, since, until)
    if not any(r["label"] == 1 for r in rows):
        raise ValidationFailed(
            _("No case has been disposed as suspicious yet: there is nothing to learn from.")
        )
    edges = _edges(store or services.transaction_store())
    out.mkdir(parents=True, exist_ok=True)
    with (out / "transactions.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sourceNodeId", "targetNodeId", "value", "time"])
        writer.writerows((s, t, f"{v:.2f}", d) for s, t, v, d in edges)
    with (out / "nodes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["nodeid", "isFraud"])
        writer.writerows((r["account_id"], r["label"]) for r in rows)
    with (out / "labels.csv").open("w", encoding="utf-8", newline="") as fh:
        labels_writer = csv.DictWriter(
            fh, fieldnames=["account_id", "customer_id", "label", "case_id", "disposition", "disposed_at"]
        )
        labels_writer.writeheader()
        labels_writer.writerows(rows)
    manifest = {
        "format": "finassure-labels/1 (AMLSim layout)",
        "org_unit": org_unit.code,
        "created": timezone.now().isoformat(),
        "disposed_since": since.isoformat() if since else None,
        "disposed_until": until.isoformat() if until else None,
        "edges": len(edges),
        "labelled_accounts": len(rows),
        "suspicious": sum(r["label"] for r in rows),
        "sha256": _sha256(out),
        "train": f"finassure engine train --amlsim {out} --graphs 0 --registry var/models",
        "evaluate": f"finassure engine eval --amlsim {out} --model <version folder>",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    audit.record(
        action="labels.exported",
        actor=actor,
        obj=org_unit,
        detail={k: manifest[k] for k in ("edges", "labelled_accounts", "suspicious", "sha256")},
    )
    return manifest


@transaction.atomic
def model_evaluate(*, actor: Any, model: ModelVersion, labels: Path) -> ModelVersion:
    """Score a model version on a label folder; the result (with the labels' sha256) joins its metrics."""
    from finassure.engine.evaluate import evaluate_amlsim

    access.require(actor, perms.TUNE, model.org_unit)
    for name in LABEL_FILES:
        if not (labels / name).is_file():
            raise ValidationFailed(
                _("%(path)s is not a label folder: %(name)s is missing.") % {"path": labels, "name": name}
            )
    result = evaluate_amlsim(labels, model.path)
    model = ModelVersion.objects.select_for_update().get(pk=model.pk)
    before = dict(model.metrics)
    model.metrics = {
        **model.metrics,
        "case_labels": {
            **result,
            "labels_sha256": _sha256(labels),
            "evaluated_at": timezone.now().isoformat(),
        },
    }
    model.save(update_fields=["metrics", "updated_at"])
    audit.record(
        action="model.evaluated",
        actor=actor,
        obj=model,
        changes={"metrics": [before.get("case_labels"), model.metrics["case_labels"]]},
    )
    return model
