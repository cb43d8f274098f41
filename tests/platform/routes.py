"""Persona-matrix routes of the shell, the audit trail, health and the API root."""

from __future__ import annotations

from finassure.accounts.roles import Perm
from tests.matrix import LOGIN, STAFF, Route, everyone, perm

ROUTES = [
    Route("platform:home", "GET", lambda c: "/", perm(STAFF), LOGIN),
    Route("platform:audit_list", "GET", lambda c: "/audit/", perm(Perm.AUDIT_VIEW), LOGIN),
    Route("platform:audit_export", "GET", lambda c: "/audit/export/", perm(Perm.AUDIT_EXPORT), LOGIN),
    Route("platform:audit_verify", "POST", lambda c: "/audit/verify/", perm(Perm.AUDIT_VIEW), LOGIN),
    Route("platform:business_calendar", "GET", lambda c: "/calendar/", perm(Perm.CALENDAR_MANAGE), LOGIN),
    Route("set_language", "POST", lambda c: "/i18n/setlang/", everyone(302), 302, data=lambda c: {"language": "en"}),
    Route("healthz", "GET", lambda c: "/healthz", everyone(200), 200),
    Route("readyz", "GET", lambda c: "/readyz", everyone(200), 200),
    Route("metrics", "GET", lambda c: "/metrics", everyone(200), 200),
    Route("api:api-root", "GET", lambda c: "/api/v1/", everyone(404), 404, api=True),
    Route("api:openapi-json", "GET", lambda c: "/api/v1/openapi.json", everyone(200), 200, api=True),
    Route("api:openapi-view", "GET", lambda c: "/api/v1/docs", everyone(200), 200, api=True),
    Route("api:list_events", "GET", lambda c: "/api/v1/audit/events", perm(Perm.AUDIT_VIEW), 401, api=True),
    Route("api:verify_chain", "POST", lambda c: "/api/v1/audit/verify", perm(Perm.AUDIT_VIEW), 401, api=True),
]
