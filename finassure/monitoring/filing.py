"""Services of AML reporting: suspicious-report drafts, maker-checker filing, CSV and XML exports.

Large-value reports are drafted by the run import (`services.lv_reports_attach`); a suspicious report is drafted
from a case disposed as suspicious. Either is submitted by its drafter and approved by a second person holding
the filing role (four eyes, also a database constraint). The file formats are documented in
docs/monitoring-reports.md; the XML follows `schemas/reports.xsd`.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.monitoring import deadlines, perms
from finassure.monitoring.models import Alert, Case, LargeValueReport, ReportStatus, SuspiciousReport
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed

Report = LargeValueReport | SuspiciousReport
NAMESPACE = "urn:finassure:aml-reports:1"
REPORT_AUDIT_FIELDS = ["status", "drafted_by", "approved_by", "submitted_at", "filed_at"]
LV_CSV_HEADERS = [
    "report_id",
    "institution",
    "org_unit",
    "report_date",
    "due_date",
    "status",
    "rule_id",
    "customer_id",
    "account_id",
    "direction",
    "currency",
    "amount",
    "threshold",
    "txn_count",
    "txn_ids",
]
STR_CSV_HEADERS = [
    "report_id",
    "institution",
    "org_unit",
    "case_id",
    "customer_id",
    "due_date",
    "status",
    "grounds",
    "rule_id",
    "account_id",
    "date",
    "score",
    "severity",
    "amount",
    "currency",
    "txn_ids",
]


def _kind(report: Report) -> str:
    return "lv" if isinstance(report, LargeValueReport) else "str"


@transaction.atomic
def suspicious_report_draft(*, actor: Any, case: Case, grounds: str) -> SuspiciousReport:
    access.require(actor, perms.DRAFT, case.org_unit)
    if case.disposition != Case.Disposition.SUSPICIOUS:
        raise Conflict(_("Only a case disposed as suspicious leads to a suspicious report."))
    grounds = (grounds or "").strip()
    if len(grounds) < 10:
        raise ValidationFailed(
            _("State the grounds for suspicion."),
            fields={"grounds": [_("State the grounds for suspicion in a sentence or more.")]},
        )
    if SuspiciousReport.objects.filter(case=case).exists():
        raise Conflict(_("This case already has a suspicious report."))
    report = SuspiciousReport.objects.create(
        org_unit=case.org_unit,
        case=case,
        grounds=grounds,
        drafted_by=actor,
        due_date=deadlines.report_due(timezone.localdate()),
    )
    audit.record(
        action="suspicious_report.drafted",
        actor=actor,
        obj=report,
        changes=audit.snapshot(report, ["case", "grounds", "due_date", "status"]),
    )
    return report


def _locked(report: Report) -> Report:
    return type(report).objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def report_submit(*, actor: Any, report: Report) -> Report:
    """The maker submits the draft for approval and becomes its drafter."""
    access.require(actor, perms.DRAFT, report.org_unit)
    report = _locked(report)
    if report.status != ReportStatus.DRAFT:
        raise Conflict(_("Only a draft can be submitted."))
    if isinstance(report, LargeValueReport) and not report.alerts.exists():
        raise Conflict(_("The report has no transactions."))
    before = audit.snapshot(report, REPORT_AUDIT_FIELDS)
    report.status, report.drafted_by, report.submitted_at = ReportStatus.SUBMITTED, actor, timezone.now()
    report.save()
    audit.record(
        action=f"{_kind(report)}_report.submitted",
        actor=actor,
        obj=report,
        changes=audit.diff(before, audit.snapshot(report, REPORT_AUDIT_FIELDS)),
    )
    return report


@transaction.atomic
def report_approve(*, actor: Any, report: Report) -> Report:
    """The checker — never the drafter — approves; the report is filed."""
    access.require(actor, perms.APPROVE, report.org_unit)
    report = _locked(report)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be approved."))
    if report.drafted_by_id == actor.pk:
        raise Conflict(_("A report is approved by someone other than its drafter (four eyes)."))
    before = audit.snapshot(report, REPORT_AUDIT_FIELDS)
    report.status, report.approved_by, report.filed_at = ReportStatus.FILED, actor, timezone.now()
    report.save()
    audit.record(
        action=f"{_kind(report)}_report.approved",
        actor=actor,
        obj=report,
        changes=audit.diff(before, audit.snapshot(report, REPORT_AUDIT_FIELDS)),
    )
    return report


@transaction.atomic
def report_reject(*, actor: Any, report: Report, reason: str) -> Report:
    """The checker sends a submitted report back to draft with a reason."""
    access.require(actor, perms.APPROVE, report.org_unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("Say what must change.")]})
    report = _locked(report)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be sent back."))
    if report.drafted_by_id == actor.pk:
        raise Conflict(_("A report is reviewed by someone other than its drafter (four eyes)."))
    before = audit.snapshot(report, REPORT_AUDIT_FIELDS)
    report.status, report.submitted_at = ReportStatus.DRAFT, None
    report.save()
    audit.record(
        action=f"{_kind(report)}_report.rejected",
        actor=actor,
        obj=report,
        detail={"reason": reason},
        changes=audit.diff(before, audit.snapshot(report, REPORT_AUDIT_FIELDS)),
    )
    return report


# --- exports -----------------------------------------------------------------------------------------------------


def _report_alerts(report: Report) -> list[Alert]:
    qs = report.alerts.all() if isinstance(report, LargeValueReport) else report.case.alerts.all()
    return list(qs.order_by("customer_id", "account_id", "date", "rule_id", "id"))


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    unit, institution = report.org_unit, report.org_unit.institution.code
    if isinstance(report, LargeValueReport):
        writer.writerow(LV_CSV_HEADERS)
        for a in _report_alerts(report):
            writer.writerow(
                [
                    report.pk,
                    institution,
                    unit.code,
                    report.report_date.isoformat(),
                    report.due_date.isoformat(),
                    report.status,
                    a.rule_id,
                    a.customer_id,
                    a.account_id,
                    a.direction,
                    a.currency,
                    _num(a.value),
                    _num(a.threshold),
                    a.txn_count,
                    ";".join(a.txn_ids),
                ]
            )
    else:
        writer.writerow(STR_CSV_HEADERS)
        for a in _report_alerts(report):
            writer.writerow(
                [
                    report.pk,
                    institution,
                    unit.code,
                    report.case_id,
                    report.case.customer_id,
                    report.due_date.isoformat(),
                    report.status,
                    report.grounds,
                    a.rule_id,
                    a.account_id,
                    a.date.isoformat() if a.date else "",
                    f"{a.score:.4f}",
                    a.severity,
                    _num(a.value),
                    a.currency,
                    ";".join(a.txn_ids),
                ]
            )
    return buffer.getvalue()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(
        parent, f"{{{NAMESPACE}}}{tag}", {k: str(v) for k, v in attrs.items() if v is not None and v != ""}
    )
    if text is not None:
        element.text = text
    return element


def report_xml(report: Report) -> bytes:
    """The report as XML in the documented schema (docs/monitoring-reports.md, schemas/reports.xsd)."""
    ET.register_namespace("", NAMESPACE)
    tag = "LargeValueReport" if isinstance(report, LargeValueReport) else "SuspiciousReport"
    root = ET.Element(
        f"{{{NAMESPACE}}}{tag}",
        {"id": str(report.pk), "status": report.status, "dueDate": report.due_date.isoformat()},
    )
    if isinstance(report, LargeValueReport):
        root.set("reportDate", report.report_date.isoformat())
    institution = report.org_unit.institution
    _sub(root, "Institution", code=institution.code, name=institution.name)
    _sub(root, "OrgUnit", code=report.org_unit.code, name=report.org_unit.name)
    signatures = _sub(root, "Signatures")
    if report.drafted_by is not None:
        _sub(
            signatures,
            "Drafter",
            username=report.drafted_by.get_username(),
            at=report.submitted_at.isoformat() if report.submitted_at else None,
        )
    if report.approved_by is not None:
        _sub(
            signatures,
            "Approver",
            username=report.approved_by.get_username(),
            at=report.filed_at.isoformat() if report.filed_at else None,
        )
    if isinstance(report, SuspiciousReport):
        _sub(root, "Subject", customerId=report.case.customer_id, caseId=report.case_id)
        _sub(root, "Grounds", report.grounds)
    items = _sub(root, "Transactions" if isinstance(report, LargeValueReport) else "Alerts")
    for a in _report_alerts(report):
        hit = _sub(
            items,
            "Hit" if isinstance(report, LargeValueReport) else "Alert",
            rule=a.rule_id,
            customerId=a.customer_id,
            accountId=a.account_id,
            date=a.date.isoformat() if a.date else None,
            direction=a.direction,
            currency=a.currency,
            amount=_num(a.value),
            threshold=_num(a.threshold),
            count=a.txn_count,
            score=f"{a.score:.4f}",
            severity=a.severity,
        )
        if isinstance(report, SuspiciousReport) and a.explanation_zh:
            _sub(hit, "Explanation", a.explanation_zh)
        for txn_id in a.txn_ids:
            _sub(hit, "TxnId", txn_id)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- PDF ---------------------------------------------------------------------------------------------------------

CJK_FONT = "STSong-Light"  # one of ReportLab's Adobe Asian CID fonts: Chinese renders without a font file


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _when(value: Any) -> str:
    if value is None:
        return "—"
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def report_pdf(report: Report) -> bytes:
    """The report as a PDF for the file: facts, signatures (maker and checker), grounds and the transactions."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11)
    h1 = ParagraphStyle("h1", parent=body, fontSize=15, leading=21, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4)

    def para(text: Any, style: Any = body) -> Any:
        return Paragraph(escape(str(text) if text not in (None, "") else "—").replace("\n", "<br/>"), style)

    is_lv = isinstance(report, LargeValueReport)
    title = _("Large-value transaction report") if is_lv else _("Suspicious transaction report")
    institution = report.org_unit.institution
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{title} #{report.pk}",
        author=institution.name,
    )
    facts = [
        (_("Institution"), f"{institution.name} ({institution.code})"),
        (_("Org unit"), f"{report.org_unit.name} ({report.org_unit.code})"),
        (_("Status"), report.get_status_display()),
        (_("Due"), _when(report.due_date)),
    ]
    if isinstance(report, LargeValueReport):
        facts.insert(2, (_("Transaction day"), _when(report.report_date)))
    else:
        facts.insert(2, (_("Subject (customer id)"), report.case.customer_id))
        facts.insert(3, (_("Case"), f"#{report.case_id}"))
    facts += [
        (_("Drafted by"), report.drafted_by.get_username() if report.drafted_by else "—"),
        (_("Submitted at"), _when(report.submitted_at)),
        (_("Approved by"), report.approved_by.get_username() if report.approved_by else "—"),
        (_("Filed at"), _when(report.filed_at)),
    ]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ]
    )
    table = Table([[para(k), para(v)] for k, v in facts], colWidths=[50 * mm, 170 * mm])
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story: list[Any] = [para(f"{title} #{report.pk}", h1), table]
    if isinstance(report, SuspiciousReport):
        story += [para(_("Grounds for suspicion"), h2), para(report.grounds)]
    alerts = _report_alerts(report)
    story += [Spacer(1, 3 * mm), para(_("Transactions") if is_lv else _("Alerts"), h2)]
    if is_lv:
        head = [
            _("Rule"),
            _("Customer id"),
            _("Account id"),
            _("Direction"),
            _("Currency"),
            _("Amount"),
            _("Threshold"),
            _("Transactions"),
            _("Transaction ids"),
        ]
        rows = [
            [
                a.rule_id,
                a.customer_id,
                a.account_id,
                a.direction,
                a.currency,
                _num(a.value),
                _num(a.threshold),
                a.txn_count,
                "; ".join(a.txn_ids[:20]),
            ]
            for a in alerts
        ]
        widths = [38, 24, 24, 14, 14, 22, 22, 14, 95]
    else:
        head = [
            _("Rule"),
            _("Account id"),
            _("Date"),
            _("Score"),
            _("Severity"),
            _("Amount"),
            _("Explanation"),
        ]
        rows = [
            [
                a.rule_id,
                a.account_id,
                _when(a.date),
                f"{a.score:.4f}",
                a.get_severity_display(),
                _num(a.value),
                a.explanation_zh or a.explanation,
            ]
            for a in alerts
        ]
        widths = [38, 26, 20, 16, 16, 22, 129]
    data = [[para(h, small) for h in head]] + [[para(c, small) for c in row] for row in rows]
    if not rows:
        data.append([para(_("None."), small)] + [para("", small) for _h in head[1:]])
    listing = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    listing.setStyle(grid)
    story.append(listing)
    doc.build(story)
    return buffer.getvalue()
