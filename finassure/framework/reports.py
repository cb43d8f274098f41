"""The quarterly assurance report: indicators with status and trend, breaches and their actions, obligations,
budget — as data, a PDF (ReportLab's built-in CJK font, so Chinese renders on a fresh machine) and a workbook."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.framework import selectors
from finassure.framework.models import CorrectiveAction, Indicator, Snapshot
from finassure.framework.periods import Period

CJK_FONT = "STSong-Light"


@dataclass
class ReportRow:
    indicator: Indicator
    snapshot: Snapshot | None
    trend: list[Snapshot]

    @property
    def status(self) -> str:
        return self.snapshot.status if self.snapshot else "not_computed"

    @property
    def status_label(self) -> str:
        return self.snapshot.get_status_display() if self.snapshot else _("not computed")


@dataclass
class QuarterlyReport:
    unit: Any
    period: Period
    generated_at: dt.datetime
    rows: list[ReportRow] = field(default_factory=list)
    obligations: list[ReportRow] = field(default_factory=list)
    breaches: list[ReportRow] = field(default_factory=list)
    actions: list[CorrectiveAction] = field(default_factory=list)
    budget: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for row in self.rows + self.obligations:
            result[row.status] = result.get(row.status, 0) + 1
        return result


def quarterly(*, actor: Any, unit: Any, period: Period) -> QuarterlyReport:
    """Each indicator's snapshot for the period of its own kind that contains the quarter's last day."""
    unit = selectors.unit_get(actor=actor, pk=unit.pk)
    last_day = period.end - dt.timedelta(days=1)
    report = QuarterlyReport(unit=unit, period=period, generated_at=timezone.now())
    indicators = list(selectors.indicator_list(actor=actor))
    history: dict[int, list[Snapshot]] = {}
    for snapshot in (Snapshot.objects.filter(org_unit=unit, indicator__in=indicators, period_start__lte=last_day)
                     .filter(selectors.snapshot_visibility(actor))
                     .order_by("indicator_id", "-period_start")):
        history.setdefault(snapshot.indicator_id, []).append(snapshot)
    for indicator in indicators:
        own = Period.containing(last_day, indicator.period)
        points = history.get(indicator.pk, [])
        current = next((s for s in points if s.period_start == own.start), None)
        row = ReportRow(indicator, current, list(reversed(points[:4])))
        (report.obligations if indicator.kind == "obligation" else report.rows).append(row)
        if current is not None and current.status == "red":
            report.breaches.append(row)
    start, end = period.bounds()
    report.actions = list(selectors.corrective_action_list(actor=actor, org_unit_id=unit.pk)
                          .filter(created_at__gte=start, created_at__lt=end))
    report.budget = selectors.budget_by_measure(actor=actor, year=period.start.year)
    return report


def _value(snapshot: Snapshot | None) -> str:
    if snapshot is None or snapshot.value is None:
        return "—"
    return f"{snapshot.value:.4g}"


def quarterly_pdf(report: QuarterlyReport) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    title = ParagraphStyle("title", fontName=CJK_FONT, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", fontName=CJK_FONT, fontSize=12, leading=18, spaceBefore=10)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=8.5, leading=11)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{report.unit} {report.period.label()}",
                            leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=36)

    def table(rows: list[list[str]], widths: list[int]) -> Table:
        cells = [[Paragraph(str(c), body) for c in row] for row in rows]
        result = Table(cells, colWidths=widths, repeatRows=1)
        result.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return result

    story: list[Any] = [
        Paragraph(f"{_('Quarterly assurance report')} · {report.unit} · {report.period.label()}", title),
        Paragraph(f"{_('Generated')} {timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}", body),
        Paragraph(_("Indicators"), heading),
        table([[_("Measure"), _("Indicator"), _("Period"), _("Value"), _("Target"), _("Status"), _("Trend")]]
              + [[r.indicator.measure.number, r.indicator.display_name,
                  r.snapshot.period_label if r.snapshot else "", _value(r.snapshot),
                  f"{(r.snapshot.target if r.snapshot else r.indicator.target):g}", r.status_label,
                  " → ".join(_value(s) for s in r.trend)] for r in report.rows],
              [40, 150, 45, 45, 40, 70, 130]),
        Paragraph(_("Obligations"), heading),
        table([[_("Obligation"), _("Period"), _("Met")]]
              + [[r.indicator.display_name, r.snapshot.period_label if r.snapshot else "",
                  _("met") if r.snapshot and r.snapshot.status == "green" else (
                      _("missed") if r.snapshot and r.snapshot.status == "red" else r.status_label)]
                 for r in report.obligations], [250, 80, 190]),
        Paragraph(_("Breaches and corrective actions"), heading),
        table([[_("Title"), _("Owner"), _("Due date"), _("Status")]]
              + [[a.title, str(a.owner), a.due.isoformat(), a.get_status_display()] for a in report.actions]
              or [[_("None")]], [250, 90, 70, 110]),
        Spacer(1, 6),
        Paragraph(_("Special funds"), heading),
        table([[_("Measure"), _("Planned"), _("Committed"), _("Spent")]]
              + [[f"{b['measure__number']} {b['measure__name']}", f"{b['planned'] or 0:,.0f}",
                  f"{b['committed'] or 0:,.0f}", f"{b['spent'] or 0:,.0f}"] for b in report.budget],
              [250, 90, 90, 90]),
    ]
    doc.build(story)
    return buffer.getvalue()


def quarterly_xlsx(report: QuarterlyReport) -> bytes:
    from openpyxl import Workbook

    from finassure.platform.spreadsheets import text_safe

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Indicators")[:31])
    sheet.append([_("Measure"), _("Indicator"), _("Period"), _("Value"), _("Target"), _("Status")])
    for r in report.rows + report.obligations:
        sheet.append(text_safe(sheet, [r.indicator.measure.number, r.indicator.display_name,
                                       r.snapshot.period_label if r.snapshot else "",
                                       r.snapshot.value if r.snapshot else None,
                                       r.snapshot.target if r.snapshot else r.indicator.target, r.status_label]))
    actions = book.create_sheet(_("Corrective actions")[:31])
    actions.append([_("Title"), _("Owner"), _("Due date"), _("Status"), _("Source")])
    for a in report.actions:
        actions.append(text_safe(actions, [a.title, str(a.owner), a.due, a.get_status_display(), a.source_repr]))
    money = book.create_sheet(_("Special funds")[:31])
    money.append([_("Measure"), _("Planned"), _("Committed"), _("Spent")])
    for b in report.budget:
        money.append(text_safe(money, [f"{b['measure__number']} {b['measure__name']}", float(b["planned"] or 0),
                                       float(b["committed"] or 0), float(b["spent"] or 0)]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
