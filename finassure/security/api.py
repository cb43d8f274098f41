"""API of information security: scans (list, import a report), vulnerabilities (list, status), access reviews,
platform backups (RPO/RTO achieved, backups, restore tests, policy)."""

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.platform.api import DbId, PageNumber
from finassure.platform.errors import NotFound, PayloadTooLarge, ValidationFailed
from finassure.security import backups, selectors, services
from finassure.security.selectors import (
    IMPORT,
    MANAGE,
    MANAGE_BACKUP,
    REVIEW_ACCESS,
    VIEW,
    VulnerabilityFilter,
)

router = Router(tags=["security"])


class ScanOut(Schema):
    id: int
    org_unit_id: int
    name: str
    scope: str
    tool: str
    scanned_at: dt.datetime
    file_name: str
    sha256: str
    finding_count: int
    new_count: int
    reopened_count: int
    fixed_count: int
    is_retest: bool


class ScanIn(Schema):
    org_unit_id: DbId
    file_name: str = Field(..., min_length=1, max_length=255)
    content_base64: str = Field(..., description="the scanner report, base64-encoded")
    scope: str = Field(..., min_length=1, max_length=300)
    name: str = Field("", max_length=200)
    scanned_at: dt.datetime | None = None
    is_retest: bool = False


class VulnerabilityOut(Schema):
    id: int
    org_unit_id: int
    asset: str
    identifier: str
    title: str
    severity: str
    cvss: float | None
    cves: str
    status: str
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    due_on: dt.date | None
    fixed_at: dt.datetime | None
    status_note: str


class StatusIn(Schema):
    status: str
    note: str = Field("", max_length=500)


class VulnerabilityFilterIn(Schema):
    q: str = ""
    severity: str = ""
    status: str = ""
    overdue: bool = False


@router.get("/scans", response=list[ScanOut])
@paginate(PageNumber)
def list_scans(request: HttpRequest) -> Any:
    access.require(request.user, VIEW)
    return selectors.scan_list(actor=request.user)


@router.post("/scans", response={201: ScanOut})
def import_scan(request: HttpRequest, payload: ScanIn) -> Any:
    access.require(request.user, IMPORT)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=IMPORT)
    if len(payload.content_base64) > services.MAX_REPORT_BYTES * 4 // 3 + 4:
        raise PayloadTooLarge(_("The file is too large."))
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("content_base64 is not valid base64."),
                               fields={"content_base64": [_("not valid base64")]}) from None
    scan = services.scan_import(actor=request.user, org_unit=unit, file_name=payload.file_name,
                                data=data, scope=payload.scope, name=payload.name,
                                scanned_at=payload.scanned_at, is_retest=payload.is_retest)
    return Status(201, scan)


@router.get("/scans/{scan_id}", response=ScanOut)
def get_scan(request: HttpRequest, scan_id: DbId) -> Any:
    access.require(request.user, VIEW)
    return selectors.scan_get(actor=request.user, pk=scan_id)


@router.get("/vulnerabilities", response=list[VulnerabilityOut])
@paginate(PageNumber)
def list_vulnerabilities(request: HttpRequest, filters: Query[VulnerabilityFilterIn]) -> Any:
    access.require(request.user, VIEW)
    return selectors.vulnerability_list(actor=request.user, filters=VulnerabilityFilter.from_params(filters.dict()))


@router.post("/vulnerabilities/{vulnerability_id}/status", response=VulnerabilityOut)
def set_vulnerability_status(request: HttpRequest, vulnerability_id: DbId, payload: StatusIn) -> Any:
    access.require(request.user, MANAGE)
    vulnerability = selectors.vulnerability_get(actor=request.user, pk=vulnerability_id)
    return services.vulnerability_set_status(actor=request.user, vulnerability=vulnerability, status=payload.status,
                                             note=payload.note)


# --- platform backups ---------------------------------------------------------------------------


class BackupOut(Schema):
    id: int
    started_at: dt.datetime
    duration_seconds: float
    trigger: str
    status: str
    reason: str
    engine: str
    file_name: str
    size: int
    sha256: str
    table_count: int
    row_count: int
    pruned_at: dt.datetime | None


class RestoreTestOut(Schema):
    id: int
    backup_id: int
    file_name: str
    started_at: dt.datetime
    duration_seconds: float
    restore_seconds: float
    ok: bool
    reason: str
    engine: str
    table_count: int
    rows_expected: int
    rows_restored: int
    mismatch_count: int
    chain_ok: bool | None
    chain_checked: int
    chain_reason: str


class RestoreTestDetailOut(RestoreTestOut):
    scratch: str
    row_comparison: dict[str, list[int | None]]


class RecoveryOut(Schema):
    rpo_target_minutes: int
    rto_target_minutes: int
    rpo_minutes: int | None
    rto_minutes: float | None
    rpo_met: bool
    rto_met: bool
    keep_count: int
    keep_days: int
    verified_backup_id: int | None
    verified_restore_test_id: int | None
    last_backup: BackupOut | None
    last_restore_test: RestoreTestOut | None


class BackupPolicyIn(Schema):
    keep_count: int | None = Field(None, ge=1, le=10000)
    keep_days: int | None = Field(None, ge=1, le=10000)
    rpo_target_minutes: int | None = Field(None, ge=1, le=10_000_000)
    rto_target_minutes: int | None = Field(None, ge=1, le=10_000_000)


@router.get("/backups/recovery", response=RecoveryOut)
def backup_recovery(request: HttpRequest) -> Any:
    """RPO/RTO achieved against their targets, with the latest backup and restore test."""
    status = selectors.recovery_status(actor=request.user)
    return {
        "rpo_target_minutes": status.rpo_target_minutes, "rto_target_minutes": status.rto_target_minutes,
        "rpo_minutes": status.rpo_minutes, "rto_minutes": status.rto_minutes, "rpo_met": status.rpo_met,
        "rto_met": status.rto_met, "keep_count": status.keep_count, "keep_days": status.keep_days,
        "verified_backup_id": status.verified.backup_id if status.verified else None,
        "verified_restore_test_id": status.verified.pk if status.verified else None,
        "last_backup": status.last_backup, "last_restore_test": status.last_test,
    }


@router.post("/backups/policy", response=RecoveryOut)
def update_backup_policy(request: HttpRequest, payload: BackupPolicyIn) -> Any:
    access.require(request.user, MANAGE_BACKUP)
    backups.policy_update(actor=request.user, **payload.dict(exclude_none=True))
    return backup_recovery(request)


@router.get("/backups", response=list[BackupOut])
@paginate(PageNumber)
def list_backups(request: HttpRequest) -> Any:
    return selectors.backup_list(actor=request.user)


@router.get("/backups/restore-tests", response=list[RestoreTestOut])
@paginate(PageNumber)
def list_restore_tests(request: HttpRequest) -> Any:
    return selectors.restore_test_list(actor=request.user)


@router.get("/backups/restore-tests/{test_id}", response=RestoreTestDetailOut)
def get_restore_test(request: HttpRequest, test_id: DbId) -> Any:
    test = selectors.restore_test_list(actor=request.user).filter(pk=test_id).first()
    if test is None:
        raise NotFound(_("No such restore test."))
    return test


# --- access reviews -----------------------------------------------------------------------------


class AccessReviewOut(Schema):
    id: int
    org_unit_id: int
    title: str
    source: str
    system_name: str
    reviewer_id: int
    due_on: dt.date
    state: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class AccessReviewItemOut(Schema):
    id: int
    account: str
    person: str
    role: str
    scope: str
    decision: str
    note: str
    decided_at: dt.datetime | None


class AccessReviewDetailOut(AccessReviewOut):
    items: list[AccessReviewItemOut]

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(selectors.access_review_items(review=obj))


class AccessReviewIn(Schema):
    org_unit_id: DbId
    title: str = Field(..., min_length=1, max_length=200)
    reviewer_id: DbId
    due_on: dt.date
    system_name: str = Field("", max_length=200, description="for an imported list: the other system's name")
    file_name: str = Field("", max_length=255)
    content_base64: str = Field("", description="an account list (CSV: account, name, role), base64; "
                                                "empty to review finassure's own role assignments")


class DecisionIn(Schema):
    decision: str
    note: str = Field("", max_length=300)


@router.get("/access-reviews", response=list[AccessReviewOut])
@paginate(PageNumber)
def list_access_reviews(request: HttpRequest) -> Any:
    return selectors.access_review_list(actor=request.user)


@router.get("/access-reviews/{review_id}", response=AccessReviewDetailOut)
def get_access_review(request: HttpRequest, review_id: DbId) -> Any:
    return selectors.access_review_get(actor=request.user, pk=review_id)


@router.post("/access-reviews", response={201: AccessReviewDetailOut})
def start_access_review(request: HttpRequest, payload: AccessReviewIn) -> Any:
    access.require(request.user, REVIEW_ACCESS)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=REVIEW_ACCESS)
    reviewer = selectors.reviewers(unit=unit).filter(pk=payload.reviewer_id).first()
    if reviewer is None:
        raise ValidationFailed(_("The reviewer must be an active user of the institution."),
                               fields={"reviewer_id": [_("unknown or inactive user")]})
    common = {"actor": request.user, "org_unit": unit, "title": payload.title, "reviewer": reviewer,
              "due_on": payload.due_on}
    if not payload.content_base64:
        return Status(201, services.access_review_start(**common))
    if len(payload.content_base64) > services.MAX_REPORT_BYTES * 4 // 3 + 4:
        raise PayloadTooLarge(_("The file is too large."))
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("content_base64 is not valid base64."),
                               fields={"content_base64": [_("not valid base64")]}) from None
    return Status(201, services.access_review_import(system_name=payload.system_name,
                                                     file_name=payload.file_name or "accounts.csv", data=data,
                                                     **common))


@router.post("/access-reviews/{review_id}/items/{item_id}/decision", response=AccessReviewItemOut)
def decide_access_review_item(request: HttpRequest, review_id: DbId, item_id: DbId, payload: DecisionIn) -> Any:
    review = selectors.access_review_get(actor=request.user, pk=review_id)
    item = selectors.access_review_items(review=review).filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such item."))
    return services.access_review_decide(actor=request.user, item=item, decision=payload.decision, note=payload.note)


@router.post("/access-reviews/{review_id}/close", response=AccessReviewOut)
def close_access_review(request: HttpRequest, review_id: DbId) -> Any:
    access.require(request.user, REVIEW_ACCESS)
    review = selectors.access_review_get(actor=request.user, pk=review_id)
    return services.access_review_close(actor=request.user, review=review)
