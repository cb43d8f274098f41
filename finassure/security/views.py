"""Pages of information security: scans and their import, the vulnerability register with status changes, access
reviews, and the platform's backups with their restore tests (RPO/RTO)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response
from finassure.security import backups, selectors, services
from finassure.security.forms import (
    AccessReviewForm,
    BackupPolicyForm,
    DecisionForm,
    ScanImportForm,
    StatusForm,
)
from finassure.security.models import Severity, Vulnerability
from finassure.security.selectors import (
    IMPORT,
    MANAGE,
    MANAGE_BACKUP,
    REVIEW_ACCESS,
    VIEW,
    VIEW_BACKUP,
    VulnerabilityFilter,
)


@staff_view(VIEW)
def scan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "security/scan_list.html", {
        "page": paginate(request, selectors.scan_list(actor=request.user)),
        "can_import": access.has_perm(request.user, IMPORT),
    })


@staff_view(IMPORT)
def scan_import(request: HttpRequest) -> HttpResponse:
    units = access.org_unit_list(actor=request.user, perm=IMPORT)
    form = ScanImportForm(request.POST or None, request.FILES or None, units=units,
                          initial={"org_unit": getattr(request.user, "org_unit_id", None)})
    errors: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_REPORT_BYTES:
            form.add_error("file", _("The file is too large."))
        else:
            try:
                scan = services.scan_import(actor=request.user, org_unit=form.cleaned_data["org_unit"],
                                            file_name=upload.name, data=upload.read(),
                                            scope=form.cleaned_data["scope"], name=form.cleaned_data["name"],
                                            scanned_at=form.cleaned_data["scanned_at"],
                                            is_retest=form.cleaned_data["is_retest"])
            except ApplicationError as exc:
                errors = exc.extra.get("errors", [])
                if errors:
                    form.add_error(None, exc.message)
                else:
                    apply_error(form, exc)
            else:
                return redirect("security:scan_detail", pk=scan.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "security/scan_import.html", {"form": form, "errors": errors}, status=status)


@staff_view(VIEW)
def scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scan = selectors.scan_get(actor=request.user, pk=pk)
    return render(request, "security/scan_detail.html", {
        "scan": scan, "page": paginate(request, selectors.findings_of(scan=scan)),
    })


@staff_view(VIEW)
def vulnerability_list(request: HttpRequest) -> HttpResponse:
    filters = VulnerabilityFilter.from_params(request.GET)
    return render(request, "security/vulnerability_list.html", {
        "page": paginate(request, selectors.vulnerability_list(actor=request.user, filters=filters)),
        "filters": filters, "severities": Severity.choices, "statuses": Vulnerability.Status.choices,
        "query": request.GET.urlencode(), "today": timezone.localdate(),
        "can_manage": access.has_perm(request.user, MANAGE), "status_form": StatusForm(),
    })


@staff_view(VIEW)
def vulnerability_export(request: HttpRequest) -> HttpResponse:
    filters = VulnerabilityFilter.from_params(request.GET)
    rows = ([v.asset, v.identifier, v.title, v.get_severity_display(), v.cvss, v.cves, v.get_status_display(),
             v.first_seen_at, v.last_seen_at, v.due_on, v.fixed_at, str(v.org_unit)]
            for v in selectors.vulnerability_list(actor=request.user, filters=filters).iterator())
    headers = [_("Asset"), _("Identifier"), _("Title"), _("Severity"), "CVSS", "CVE", _("Status"), _("First found"),
               _("Last found"), _("Fix by"), _("Fixed at"), _("Org unit")]
    return xlsx_response("vulnerabilities.xlsx", headers, rows)


@require_POST
@staff_view(MANAGE)
def vulnerability_status(request: HttpRequest, pk: int) -> HttpResponse:
    vulnerability = selectors.vulnerability_get(actor=request.user, pk=pk)
    form = StatusForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            vulnerability = services.vulnerability_set_status(actor=request.user, vulnerability=vulnerability,
                                                              **form.cleaned_data)
            saved = True
        except ApplicationError as exc:
            apply_error(form, exc)
    if request.headers.get("HX-Request"):  # the row swaps in place, with the errors when refused
        return render(request, "security/_vulnerability_row.html", {
            "v": vulnerability, "can_manage": True, "status_form": form, "today": timezone.localdate()})
    if saved:
        return redirect("security:vulnerability_list")
    messages = "; ".join(str(m) for msgs in form.errors.values() for m in msgs)
    return render(request, "platform/error.html", {"message": messages, "status": 400}, status=400)


# --- access reviews -----------------------------------------------------------------------------


@staff_view(VIEW)
def access_review_list(request: HttpRequest) -> HttpResponse:
    return render(request, "security/access_review_list.html", {
        "page": paginate(request, selectors.access_review_list(actor=request.user)),
        "can_start": access.has_perm(request.user, REVIEW_ACCESS),
    })


@staff_view(REVIEW_ACCESS)
def access_review_create(request: HttpRequest) -> HttpResponse:
    units = access.org_unit_list(actor=request.user, perm=REVIEW_ACCESS)
    home = getattr(request.user, "org_unit", None)
    people = selectors.reviewers(unit=home) if home is not None else access.user_list(actor=request.user)
    form = AccessReviewForm(request.POST or None, request.FILES or None, units=units, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.pop("file")
        system_name = data.pop("system_name")
        try:
            if upload is None:
                review = services.access_review_start(actor=request.user, **data)
            else:
                review = services.access_review_import(actor=request.user, system_name=system_name,
                                                       file_name=upload.name, data=upload.read(), **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("security:access_review_detail", pk=review.pk)
    return render(request, "security/access_review_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _review_context(request: HttpRequest, review: object, error: str = "") -> dict[str, object]:
    return {"review": review, "items": selectors.access_review_items(review=review),  # type: ignore[arg-type]
            "is_reviewer": getattr(review, "reviewer_id", None) == request.user.pk,
            "can_close": access.has_perm(request.user, REVIEW_ACCESS, getattr(review, "org_unit", None)),
            "action_error": error}


@staff_view(VIEW)
def access_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.access_review_get(actor=request.user, pk=pk)
    return render(request, "security/access_review_detail.html", _review_context(request, review))


@require_POST
@staff_view(VIEW)
def access_review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    review = selectors.access_review_get(actor=request.user, pk=pk)
    try:
        if action == "close":
            services.access_review_close(actor=request.user, review=review)
        elif action == "decide":
            form = DecisionForm(request.POST)
            item = None
            if form.is_valid():
                item = selectors.access_review_items(review=review).filter(pk=form.cleaned_data["item"]).first()
            if item is None:
                return render(request, "security/access_review_detail.html",
                              _review_context(request, review, _("Choose an item and a decision.")), status=400)
            services.access_review_decide(actor=request.user, item=item, decision=form.cleaned_data["decision"],
                                          note=form.cleaned_data["note"])
        else:
            return render(request, "platform/error.html", {"message": _("Unknown action."), "status": 404},
                          status=404)
    except ApplicationError as exc:
        if exc.status in {401, 403, 404}:
            raise
        return render(request, "security/access_review_detail.html", _review_context(request, review, exc.message),
                      status=exc.status)
    return redirect("security:access_review_detail", pk=pk)


# --- platform backups ---------------------------------------------------------------------------


@staff_view(VIEW_BACKUP)
def backup_overview(request: HttpRequest) -> HttpResponse:
    """RPO/RTO achieved against the targets, the restore-test history and the recent backups."""
    return render(request, "security/backup_overview.html", {
        "status": selectors.recovery_status(actor=request.user),
        "page": paginate(request, selectors.restore_test_list(actor=request.user)),
        "backups": selectors.backup_list(actor=request.user)[:20],
        "can_manage": access.has_perm(request.user, MANAGE_BACKUP),
    })


@staff_view(VIEW_BACKUP)
def restore_test_detail(request: HttpRequest, pk: int) -> HttpResponse:
    test = selectors.restore_test_list(actor=request.user).filter(pk=pk).first()
    if test is None:
        raise NotFound(_("No such restore test."))
    rows = [(table, pair[0], pair[1], pair[0] != pair[1]) for table, pair in sorted(test.row_comparison.items())]
    return render(request, "security/restore_test_detail.html", {"test": test, "rows": rows})


@staff_view(MANAGE_BACKUP)
def backup_policy(request: HttpRequest) -> HttpResponse:
    current = backups.policy()
    form = BackupPolicyForm(request.POST or None, initial={name: getattr(current, name)
                                                           for name in backups.POLICY_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            backups.policy_update(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("security:backup_overview")
    return render(request, "security/backup_policy.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
