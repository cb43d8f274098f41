"""API of customer service: complaints for other systems (intake, status, handling steps). Personal data masked."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.platform.api import CappedPageNumber, DbId
from finassure.platform.errors import ValidationFailed
from finassure.platform.masking import mask
from finassure.service import perms, selectors, services
from finassure.service.clock import ClockState
from finassure.service.models import Channel, Complaint, ProductLine

router = Router(tags=["service"])


class ClockOut(Schema):
    state: str
    due_at: dt.datetime | None
    elapsed_hours: float
    paused_hours: float

    @staticmethod
    def of(state: ClockState) -> dict[str, Any]:
        return {"state": state.state, "due_at": state.due_at, "elapsed_hours": round(state.elapsed.total_seconds() / 3600, 2),
                "paused_hours": round(state.paused_for.total_seconds() / 3600, 2)}


class ComplaintOut(Schema):
    id: int
    tracking_number: str
    kind: str
    status: str
    org_unit_id: int
    product_line: str
    category: str | None
    channel: str
    subject: str
    severity: str
    group_size: int
    is_major: bool
    complainant_name: str = Field(description="masked")
    complainant_phone: str = Field(description="masked")
    handler_id: int | None
    recheck_of_id: int | None
    merged_into_id: int | None
    received_at: dt.datetime
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None
    extensions: int
    sla: ClockOut
    regulatory: ClockOut

    @staticmethod
    def resolve_category(obj: Complaint) -> str | None:
        return obj.category.code if obj.category_id and obj.category else None

    @staticmethod
    def resolve_complainant_name(obj: Complaint) -> str:
        return mask(obj.complainant_name, "name")

    @staticmethod
    def resolve_complainant_phone(obj: Complaint) -> str:
        return mask(obj.complainant_phone, "phone")

    @staticmethod
    def resolve_sla(obj: Complaint) -> dict[str, Any]:
        return ClockOut.of(obj.clocks()[0])

    @staticmethod
    def resolve_regulatory(obj: Complaint) -> dict[str, Any]:
        return ClockOut.of(obj.clocks()[1])


class ComplaintIn(Schema):
    org_unit_id: DbId
    subject: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=10000)
    kind: Complaint.Kind = Complaint.Kind.COMPLAINT
    product_line: ProductLine = ProductLine.OTHER
    channel: Channel = Channel.APP
    category: str = Field("", max_length=40, description="category code")
    complainant_name: str = Field("", max_length=100)
    complainant_phone: str = Field("", max_length=32)
    complainant_id_number: str = Field("", max_length=32)
    respondent_text: str = Field("", max_length=200)
    severity: Complaint.Severity = Complaint.Severity.MEDIUM
    group_size: int = Field(1, ge=1, le=1_000_000)
    cause: Complaint.Cause = Complaint.Cause.ORDINARY
    external_id: str = Field("", max_length=64)


class PauseIn(Schema):
    reason: str = Field(..., pattern="^(appraisal|mediation)$")
    note: str = Field("", max_length=4000)
    customer_notified: bool


class DecisionIn(Schema):
    facts: str = Field(..., max_length=10000)
    basis: str = Field(..., max_length=10000)
    reasons: str = Field(..., max_length=10000)
    remedies: str = Field(..., max_length=10000)
    upheld: bool | None = None


class NotifyIn(Schema):
    method: str = Field(..., pattern="^(letter|sms|email|call)$")
    reference: str = Field(..., min_length=1, max_length=300)


@router.get("/service/complaints", response=list[ComplaintOut])
@paginate(CappedPageNumber)
def list_complaints(request: HttpRequest, q: str = "", status: str = "", product_line: str = "",
                    category: DbId | None = None, org_unit: DbId | None = None, channel: str = "", clock: str = "",
                    phone: str = "") -> Any:
    access.require(request.user, perms.VIEW)
    filters = selectors.ComplaintFilter(q=q, status=status, product_line=product_line, category=category,
                                        org_unit=org_unit, channel=channel, clock=clock, phone=phone)
    return selectors.complaint_list(actor=request.user, filters=filters)


@router.post("/service/complaints", response={201: ComplaintOut})
def create_complaint(request: HttpRequest, payload: ComplaintIn) -> Any:
    access.require(request.user, perms.CREATE)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=perms.CREATE)
    data = payload.dict()
    data.pop("org_unit_id")
    code = data.pop("category")
    category = selectors.category_list(active_only=True).filter(code=code).first() if code else None
    if code and category is None:
        raise ValidationFailed(_("Unknown category."), fields={"category": [_("Unknown category.")]})
    complaint = services.complaint_register(actor=request.user, org_unit=unit, category=category, **data)
    return Status(201, complaint)


@router.get("/service/complaints/{complaint_id}", response=ComplaintOut)
def get_complaint(request: HttpRequest, complaint_id: DbId) -> Any:
    access.require(request.user, perms.VIEW)
    return selectors.complaint_get(actor=request.user, pk=complaint_id)


@router.post("/service/complaints/{complaint_id}/accept", response=ComplaintOut)
def accept_complaint(request: HttpRequest, complaint_id: DbId) -> Any:
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return services.complaint_accept(actor=request.user, complaint=complaint)


@router.post("/service/complaints/{complaint_id}/pause", response=ComplaintOut)
def pause_complaint(request: HttpRequest, complaint_id: DbId, payload: PauseIn) -> Any:
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return services.complaint_pause(actor=request.user, complaint=complaint, **payload.dict())


@router.post("/service/complaints/{complaint_id}/resume", response=ComplaintOut)
def resume_complaint(request: HttpRequest, complaint_id: DbId) -> Any:
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return services.complaint_resume(actor=request.user, complaint=complaint)


@router.post("/service/complaints/{complaint_id}/decision", response=ComplaintOut)
def decide_complaint(request: HttpRequest, complaint_id: DbId, payload: DecisionIn) -> Any:
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return services.complaint_decide(actor=request.user, complaint=complaint, **payload.dict())


@router.post("/service/complaints/{complaint_id}/notifications", response=ComplaintOut)
def notify_complaint(request: HttpRequest, complaint_id: DbId, payload: NotifyIn) -> Any:
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return services.complaint_notify(actor=request.user, complaint=complaint, **payload.dict())


@router.post("/service/complaints/{complaint_id}/close", response=ComplaintOut)
def close_complaint(request: HttpRequest, complaint_id: DbId) -> Any:
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return services.complaint_close(actor=request.user, complaint=complaint)


class MergeIn(Schema):
    primary_id: DbId
    reason: str = Field(..., min_length=1, max_length=2000)


@router.post("/service/complaints/{complaint_id}/merge", response=ComplaintOut)
def merge_complaint(request: HttpRequest, complaint_id: DbId, payload: MergeIn) -> Any:
    """Merge this complaint, as a repeat, into `primary_id` (same complainant, open); returns the duplicate."""
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    primary = selectors.complaint_get(actor=request.user, pk=payload.primary_id)
    services.complaint_merge(actor=request.user, duplicate=complaint, primary=primary, reason=payload.reason)
    return selectors.complaint_get(actor=request.user, pk=complaint_id)


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    sha256: str
    channel: str
    created_at: dt.datetime
    download: str = Field(description="scoped, audited download (roles that may reveal personal data)")

    @staticmethod
    def resolve_download(obj: Any) -> str:
        return f"/api/v1/service/attachments/{obj.pk}/content"


@router.get("/service/complaints/{complaint_id}/attachments", response=list[AttachmentOut])
def list_attachments(request: HttpRequest, complaint_id: DbId) -> Any:
    access.require(request.user, perms.VIEW)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    return list(selectors.attachments_of(complaint=complaint))


@router.post("/service/complaints/{complaint_id}/attachments", response={201: list[AttachmentOut]})
def add_attachments(request: HttpRequest, complaint_id: DbId,
                    files: list[UploadedFile] | None = File(None)) -> Any:  # noqa: B008
    """Multipart upload (field `files`, repeatable); every file is checked by content; one refused, none stored."""
    access.require(request.user, perms.HANDLE)
    complaint = selectors.complaint_get(actor=request.user, pk=complaint_id)
    made = services.attachment_add(actor=request.user, complaint=complaint, uploads=files or [], channel=Channel.APP)
    return Status(201, made)


@router.get("/service/attachments/{attachment_id}/content")
def download_attachment(request: HttpRequest, attachment_id: DbId) -> HttpResponse:
    from finassure.accounts.roles import Perm

    access.require(request.user, Perm.PII_UNMASK)
    item = selectors.attachment_get(actor=request.user, pk=attachment_id)
    data = services.attachment_open(actor=request.user, attachment=item)
    response = HttpResponse(data, content_type=item.content_type)
    response["Content-Disposition"] = f'attachment; filename="{item.complaint.tracking_number}-{item.pk}{item.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
