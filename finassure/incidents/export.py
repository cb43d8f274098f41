"""Post-incident review as PDF (ReportLab with the built-in CJK CID font, so Chinese renders on any machine)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.incidents.models import IncidentEvent, PostIncidentReview

CJK_FONT = "STSong-Light"  # one of ReportLab's Adobe Asian CID fonts: no font file needed


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _para(text: str, style: Any) -> Any:
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    return Paragraph(escape(text or "—").replace("\n", "<br/>"), style)


def review_pdf(review: PostIncidentReview, timeline: Sequence[IncidentEvent], actions: Sequence[Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    incident = review.incident
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10, leading=15, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"{incident.reference} {incident.title}",
                            author="finassure")
    story: list[Any] = [_para(f"{_('Post-incident review')} · {incident.reference}", h1), _para(incident.title, h2)]
    facts = [
        (_("Type"), str(incident.incident_type)), (_("Grade"), incident.get_grade_display()),
        (_("Org unit"), str(incident.org_unit)), (_("Reported at"), _fmt(incident.reported_at)),
        (_("Acknowledged at"), _fmt(incident.acknowledged_at)), (_("Contained at"), _fmt(incident.contained_at)),
        (_("Resolved at"), _fmt(incident.resolved_at)), (_("Review due on"), _fmt(review.due_on)),
        (_("Review state"), review.get_state_display()),
    ]
    table = Table([[_para(k, body), _para(v, body)] for k, v in facts], colWidths=[40 * mm, 130 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 4 * mm)]
    for label, text in ((_("Impact"), review.impact), (_("Detection"), review.detection),
                        (_("Timeline"), review.timeline_summary)):
        story += [_para(label, h2), _para(text, body)]
    story.append(_para(_("Root cause (five whys)"), h2))
    for i, why in enumerate(review.whys, start=1):
        story.append(_para(f"{i}. {why}", body))
    story += [_para(review.root_cause, body), _para(_("Lessons learned"), h2), _para(review.lessons, body)]
    story.append(_para(_("Corrective actions"), h2))
    if actions:
        rows = [[_para(_("Action"), body), _para(_("Owner"), body), _para(_("Due"), body), _para(_("Status"), body)]]
        for action in actions:
            owner = getattr(action, "owner", None)
            status = action.get_status_display() if hasattr(action, "get_status_display") else ""
            rows.append([_para(str(getattr(action, "title", action)), body),
                         _para(getattr(owner, "display_name", "") or str(owner or ""), body),
                         _para(_fmt(getattr(action, "due", None)), body), _para(str(status), body)])
        actions_table = Table(rows, colWidths=[80 * mm, 35 * mm, 25 * mm, 30 * mm], repeatRows=1)
        actions_table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        story.append(actions_table)
    else:
        story.append(_para(_("None."), body))
    story.append(_para(_("Incident timeline"), h2))
    for event in timeline:
        line = f"{_fmt(event.at)} {event.get_kind_display()}"
        if event.to_status:
            line += f" → {event.get_to_status_display()}"
        if event.text:
            line += f": {event.text}"
        if event.backdate_reason:
            line += f" ({_('entered later')}: {event.backdate_reason})"
        story.append(_para(line, body))
    doc.build(story)
    return buffer.getvalue()
