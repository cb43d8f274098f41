"""Records of risk monitoring for tests, made without running the engine."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from django.utils import timezone

from finassure.monitoring.models import (
    SEVERITY_RANK,
    Alert,
    Case,
    LargeValueReport,
    ModelVersion,
    RuleChange,
    Run,
    SuspiciousReport,
)

_seq = itertools.count(1)


def make_run(unit: Any, **kwargs: Any) -> Run:
    kwargs.setdefault("status", Run.Status.IMPORTED)
    return Run.objects.create(
        org_unit=unit, input_path="/nonexistent/store", output_dir="/nonexistent/out", **kwargs
    )


def make_alert(unit: Any, *, run: Run | None = None, **kwargs: Any) -> Alert:
    n = next(_seq)
    severity = kwargs.pop("severity", "medium")
    defaults: dict[str, Any] = {
        "alert_id": f"test-{n:08d}",
        "rule_id": "structuring_cash",
        "rule_version": "1",
        "customer_id": f"C{n}",
        "account_id": f"A{n}",
        "date": dt.date(2026, 3, 2),
        "direction": "in",
        "currency": "CNY",
        "value": 148000.0,
        "threshold": 50000.0,
        "txn_count": 3,
        "txn_ids": [f"T{n}a", f"T{n}b"],
        "score": 0.7,
        "explanation": "Structuring",
        "explanation_zh": "拆分交易",
        "due_date": timezone.localdate(),
    }
    defaults.update(kwargs)
    return Alert.objects.create(
        run=run or make_run(unit),
        org_unit=unit,
        severity=severity,
        severity_rank=SEVERITY_RANK[severity],
        **defaults,
    )


def make_case(unit: Any, *, alerts: int = 1, **kwargs: Any) -> Case:
    customer = kwargs.pop("customer_id", f"C-case-{next(_seq)}")
    case = Case.objects.create(org_unit=unit, customer_id=customer, **kwargs)
    for _ in range(alerts):
        make_alert(unit, customer_id=customer, case=case, status=Alert.Status.IN_CASE)
    return case


def make_lv_report(unit: Any, *, day: dt.date = dt.date(2026, 3, 2), **kwargs: Any) -> LargeValueReport:
    report = LargeValueReport.objects.create(
        org_unit=unit, report_date=day, due_date=day + dt.timedelta(days=7), **kwargs
    )
    make_alert(unit, rule_id="pboc_lv_cash", date=day, lv_report=report, value=60000.0, threshold=50000.0)
    return report


def make_str(unit: Any, **kwargs: Any) -> SuspiciousReport:
    case = make_case(
        unit,
        status=Case.Status.CLOSED,
        disposition=Case.Disposition.SUSPICIOUS,
        disposition_reason="资金快进快出",
    )
    return SuspiciousReport.objects.create(
        org_unit=unit,
        case=case,
        grounds="客户账户资金快进快出，与身份不符。",
        due_date=timezone.localdate() + dt.timedelta(days=7),
        **kwargs,
    )


SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "finassure" / "engine" / "data" / "model"


def _someone(unit: Any) -> Any:
    from finassure.accounts import services

    user, _ = services.user_create(
        actor=None,
        username=f"maker{next(_seq)}",
        display_name="李四",
        org_unit=unit,
        password="Correct-Horse-9",
    )
    return user


def make_rule_change(unit: Any, **kwargs: Any) -> RuleChange:
    """A proposed change (by a user other than the test's persona)."""
    kwargs.setdefault("proposed_by", _someone(unit))
    defaults: dict[str, Any] = {
        "rule_id": "pboc_lv_cash",
        "version": 1,
        "enabled": True,
        "params": {"cny_threshold": 45000},
        "reason": "试运行较低阈值",
    }
    return RuleChange.objects.create(org_unit=unit, **(defaults | kwargs))


def make_model(unit: Any, *, version: str | None = None, **kwargs: Any) -> ModelVersion:
    return ModelVersion.objects.create(
        org_unit=unit,
        version=version or f"test-{next(_seq)}",
        path=str(SHIPPED_MODEL),
        threshold=0.64,
        metrics={"held_out_graphs": {"f1": 0.85}},
        **kwargs,
    )


def model_copy(target: Path, version: str) -> Path:
    """A copy of the shipped model folder under another version name (as `finassure engine train` writes one)."""
    import json
    import shutil

    shutil.copytree(SHIPPED_MODEL, target)
    meta = json.loads((target / "meta.json").read_text("utf-8"))
    meta["version"] = version
    (target / "meta.json").write_text(json.dumps(meta), "utf-8")
    return target


def tiny_pdf(text: str = "statement") -> bytes:
    """A minimal well-formed PDF (ReportLab), as a bank statement scan would be."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def make_attachment(case: Case, *, name: str = "statement.pdf", data: bytes | None = None) -> Any:
    from finassure.monitoring import attachments
    from finassure.monitoring.models import CaseAttachment

    data = data if data is not None else tiny_pdf()
    storage_name = attachments.new_storage_name()
    kid = attachments.write(storage_name, data)
    return CaseAttachment.objects.create(case=case, name=name, content_type="application/pdf", size=len(data),
                                         sha256="0" * 64, storage_name=storage_name, key_id=kid,
                                         uploaded_by=_someone(case.org_unit))
