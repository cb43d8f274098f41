"""Builders for customer-service records in tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from finassure.service import services
from finassure.service.models import Complaint, ComplaintCategory

PHONE = "13812345678"


def make_complaint(unit: Any, *, actor: Any = None, received_at: dt.datetime | None = None, **kwargs: Any) -> Complaint:
    services.ensure_default_categories()
    values: dict[str, Any] = {
        "subject": "理财产品收益与宣传不符", "text": "客户经理承诺保本保收益，实际亏损。", "product_line": "wealth_management",
        "channel": "counter", "complainant_name": "王小明", "complainant_phone": PHONE,
        "complainant_id_number": "110101199003074514", "category": ComplaintCategory.objects.get(code="sales-misconduct"),
    }
    values.update(kwargs)
    return services.complaint_register(actor=actor, org_unit=unit, received_at=received_at or timezone.now(), **values)


def handled(complaint: Complaint, handler: Any, *, start: dt.datetime, decide_after: dt.timedelta,
            close_after: dt.timedelta) -> Complaint:
    """Accept at `start`, decide, notify and close after the given times (all in the past)."""
    services.complaint_accept(actor=handler, complaint=complaint, at=start)
    services.complaint_decide(actor=handler, complaint=complaint, facts="核实", basis="合同第5条", reasons="理由",
                              remedies="可申请核查、调解、仲裁或诉讼", upheld=True, at=start + decide_after)
    services.complaint_notify(actor=handler, complaint=complaint, method="sms", reference="SMS-1",
                              at=start + decide_after)
    return services.complaint_close(actor=handler, complaint=complaint, at=start + close_after)
