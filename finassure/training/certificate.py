"""The printable certificate of a passed exam: a one-page PDF in Chinese with ReportLab's built-in CJK font.

`STSong-Light` is one of the Adobe CID fonts every PDF reader carries, so nothing needs installing.
"""

from __future__ import annotations

import io

from django.utils import timezone

from finassure.training.models import Attempt

FONT = "STSong-Light"


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render(attempt: Attempt) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    _register()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"培训考试合格证书 {attempt.employee.employee_no}")
    pdf.setLineWidth(3)
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.setFont(FONT, 34)
    pdf.drawCentredString(width / 2, height - 130, "培训考试合格证书")
    pdf.setFont(FONT, 14)
    pdf.drawCentredString(width / 2, height - 160, "Certificate of Training Examination")
    employee = attempt.employee
    submitted = timezone.localtime(attempt.submitted_at) if attempt.submitted_at else timezone.localtime()
    lines = [
        f"兹证明 {employee.name}（工号 {employee.employee_no}，{employee.org_unit.name}）",
        f"于 {submitted:%Y年%m月%d日} 参加《{attempt.exam.title}》考试，",
        f"成绩 {attempt.score} 分（合格线 {attempt.exam.pass_mark} 分），考试合格，特发此证。",
    ]
    pdf.setFont(FONT, 18)
    y = height - 240
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 40
    pdf.setFont(FONT, 12)
    pdf.drawString(60, 70, f"证书编号：FA-{attempt.exam_id:04d}-{attempt.pk:08d}")
    pdf.drawRightString(width - 60, 70, f"{employee.org_unit.institution.name}  {submitted:%Y-%m-%d}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
