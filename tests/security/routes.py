"""Persona-matrix routes of information security: scans, import, vulnerabilities, status changes."""

from __future__ import annotations

from finassure.accounts.roles import ROLE_PERMISSIONS
from tests.matrix import INSIDE, LOGIN, Route, everyone, perm, visible_with
from tests.security.helpers import make_access_review, make_restore_test, make_vulnerability

VIEW, IMPORT, MANAGE = "security.view_vulnerability", "security.import_scan", "security.manage_vulnerability"


REVIEW_ACCESS = "security.manage_access_review"


def _review(c: object) -> None:
    c.objects["review"] = make_access_review(c.org.haidian)  # type: ignore[attr-defined]


def _close_expect(role: str, place: str) -> int:
    """Closing needs the right to run reviews; the review itself is invisible (404) from outside the subtree."""
    perms = ROLE_PERMISSIONS[role]
    if VIEW not in perms:
        return 403
    if place != INSIDE:
        return 404
    return 302 if REVIEW_ACCESS in perms else 403


def _vulnerability(c: object) -> None:
    c.objects["vulnerability"] = make_vulnerability(c.org.haidian)  # type: ignore[attr-defined]


ROUTES = [
    Route("security:access_review_list", "GET", lambda c: "/security/access-reviews/", perm(VIEW), LOGIN),
    Route("security:access_review_create", "GET", lambda c: "/security/access-reviews/new/", perm(REVIEW_ACCESS),
          LOGIN),
    Route("security:access_review_detail", "GET", lambda c: f"/security/access-reviews/{c.objects['review'].pk}/",
          perm(VIEW, scoped=True), LOGIN, build=_review),
    Route("security:access_review_action", "POST",
          lambda c: f"/security/access-reviews/{c.objects['review'].pk}/close/", _close_expect, LOGIN, build=_review),
    Route("security:scan_list", "GET", lambda c: "/security/scans/", perm(VIEW), LOGIN),
    Route("security:scan_import", "GET", lambda c: "/security/scans/import/", perm(IMPORT), LOGIN),
    Route("security:scan_detail", "GET", lambda c: f"/security/scans/{c.objects['vulnerability'].first_scan_id}/",
          perm(VIEW, scoped=True), LOGIN, build=_vulnerability),
    Route("security:vulnerability_list", "GET", lambda c: "/security/vulnerabilities/", perm(VIEW), LOGIN),
    Route("security:vulnerability_export", "GET", lambda c: "/security/vulnerabilities/export.xlsx", perm(VIEW),
          LOGIN),
    Route("security:vulnerability_status", "POST",
          lambda c: f"/security/vulnerabilities/{c.objects['vulnerability'].pk}/status/",
          perm(MANAGE, 302, scoped=True), LOGIN, build=_vulnerability, data=lambda c: {"status": "fixed"}),
    Route("api:list_scans", "GET", lambda c: "/api/v1/scans", perm(VIEW), 401, api=True),
    Route("api:get_scan", "GET", lambda c: f"/api/v1/scans/{c.objects['vulnerability'].first_scan_id}",
          perm(VIEW, scoped=True), 401, api=True, build=_vulnerability),
    Route("api:list_vulnerabilities", "GET", lambda c: "/api/v1/vulnerabilities", perm(VIEW), 401, api=True),
    Route("api:set_vulnerability_status", "POST",
          lambda c: f"/api/v1/vulnerabilities/{c.objects['vulnerability'].pk}/status",
          perm(MANAGE, 200, scoped=True), 401, api=True, build=_vulnerability, data=lambda c: {"status": "fixed"}),
]

GENERIC_CSV = "asset,identifier,title,severity,cvss,cve\n10.1.2.3,CVE-2024-3094,xz 后门,critical,10.0,CVE-2024-3094\n"

ROUTES.append(
    Route("api:import_scan", "POST", lambda c: "/api/v1/scans", perm(IMPORT, 201, scoped=True), 401, api=True,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "scope": "海淀支行网段", "file_name": "scan.csv",
                          "content_base64": __import__("base64").b64encode(GENERIC_CSV.encode()).decode()}))

VIEW_BACKUP, MANAGE_BACKUP = "security.view_backup", "security.manage_backup"


def _restore_test(c: object) -> None:
    c.objects["restore_test"] = make_restore_test()  # type: ignore[attr-defined]


ROUTES += [
    Route("security:backup_overview", "GET", lambda c: "/security/backups/", perm(VIEW_BACKUP), LOGIN),
    Route("security:backup_policy", "GET", lambda c: "/security/backups/policy/", perm(MANAGE_BACKUP), LOGIN),
    Route("security:restore_test_detail", "GET",
          lambda c: f"/security/backups/restore-tests/{c.objects['restore_test'].pk}/", perm(VIEW_BACKUP), LOGIN,
          build=_restore_test),
    Route("api:backup_recovery", "GET", lambda c: "/api/v1/backups/recovery", perm(VIEW_BACKUP), 401, api=True),
    Route("api:update_backup_policy", "POST", lambda c: "/api/v1/backups/policy", perm(MANAGE_BACKUP), 401,
          api=True, data=lambda c: {"keep_count": 10}),
    Route("api:list_backups", "GET", lambda c: "/api/v1/backups", perm(VIEW_BACKUP), 401, api=True),
    Route("api:list_restore_tests", "GET", lambda c: "/api/v1/backups/restore-tests", perm(VIEW_BACKUP), 401,
          api=True),
    Route("api:get_restore_test", "GET", lambda c: f"/api/v1/backups/restore-tests/{c.objects['restore_test'].pk}",
          perm(VIEW_BACKUP), 401, api=True, build=_restore_test),
]


def _reviewer(c: object) -> None:
    from tests.support import create_user

    c.objects["reviewer"] = create_user(c.org, role="security_admin", unit="head")  # type: ignore[attr-defined]


def _review_with_item(c: object) -> None:
    from finassure.security.models import AccessReviewItem

    review = make_access_review(c.org.haidian)  # type: ignore[attr-defined]
    c.objects["review"] = review  # type: ignore[attr-defined]
    c.objects["item"] = AccessReviewItem.objects.create(review=review, account="teller01", role="柜员")  # type: ignore[attr-defined]


def _decide_expect(role: str, place: str) -> int:
    """Only the named reviewer decides: a persona that sees the review is refused; one that does not, gets 404."""
    return 403 if VIEW in ROLE_PERMISSIONS[role] and place == INSIDE else 404


ROUTES += [
    Route("api:list_access_reviews", "GET", lambda c: "/api/v1/access-reviews", everyone(200), 401, api=True),
    Route("api:get_access_review", "GET", lambda c: f"/api/v1/access-reviews/{c.objects['review'].pk}",
          visible_with(VIEW), 401, api=True, build=_review),
    Route("api:start_access_review", "POST", lambda c: "/api/v1/access-reviews",
          perm(REVIEW_ACCESS, 201, scoped=True), 401, api=True, build=_reviewer,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "title": "海淀支行权限复核",
                          "reviewer_id": c.objects["reviewer"].pk, "due_on": "2030-06-30"}),
    Route("api:decide_access_review_item", "POST",
          lambda c: f"/api/v1/access-reviews/{c.objects['review'].pk}/items/{c.objects['item'].pk}/decision",
          _decide_expect, 401, api=True, build=_review_with_item, data=lambda c: {"decision": "confirmed"}),
    Route("api:close_access_review", "POST", lambda c: f"/api/v1/access-reviews/{c.objects['review'].pk}/close",
          perm(REVIEW_ACCESS, 200, scoped=True), 401, api=True, build=_review),
]
