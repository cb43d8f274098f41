"""The internal audit report as PDF (Chinese rendered with reportlab's built-in CID font, nothing to install):
scope, conclusion, each finding with its criteria, condition, cause, effect and recommendation, and the state of
the corrective action that follows it up."""

from __future__ import annotations

import io
from html import escape
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.governance.models import Engagement

CJK_FONT = "STSong-Light"


def engagement_pdf(engagement: Engagement, findings: list[tuple[Any, Any]]) -> bytes:
    """`findings` = [(finding, its corrective action or None)]."""
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
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=9, leading=12)

    def p(text: Any, style: Any = body) -> Any:
        return Paragraph(escape(str(text or "—")).replace("\n", "<br/>"), style)

    def table(rows: list[list[Any]], widths: list[int]) -> Table:
        result = Table([[p(c) for c in row] for row in rows], colWidths=widths)
        result.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8eef7")),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return result

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=engagement.title, leftMargin=40, rightMargin=40,
                            topMargin=40, bottomMargin=40)
    processes = "、".join(str(x) for x in engagement.processes.all())
    story: list[Any] = [
        p(f"{_('Internal audit report')} · {engagement.title}", title),
        p(f"{_('Generated')} {timezone.localtime():%Y-%m-%d %H:%M}"),
        Spacer(1, 8),
        table([[_("Audited unit"), engagement.org_unit],
               [_("Quarter"), f"{engagement.plan.year}Q{engagement.plan.quarter}"],
               [_("Lead auditor"), engagement.lead], [_("Status"), engagement.get_status_display()],
               [_("Starts on"), engagement.starts_on], [_("Report issued on"), engagement.reported_on],
               [_("Processes in scope"), processes]], [120, 395]),
        p(_("Conclusion"), heading), p(engagement.conclusion),
        p(_("Findings"), heading),
    ]
    for number, (finding, action) in enumerate(findings, start=1):
        story += [p(f"{number}. {finding.title} ({finding.get_severity_display()})", heading),
                  table([[_("Criteria"), finding.criteria], [_("Condition"), finding.condition],
                         [_("Cause"), finding.cause], [_("Effect"), finding.effect],
                         [_("Recommendation"), finding.recommendation],
                         [_("Owner"), f"{finding.owner} · {_('due')} {finding.due:%Y-%m-%d}"],
                         [_("Corrective action"), action.get_status_display() if action else "—"]], [120, 395])]
    if not findings:
        story.append(p(_("No findings.")))
    doc.build(story)
    return buffer.getvalue()
