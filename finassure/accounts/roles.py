"""Built-in roles and the permissions each grants. A role is granted at an org unit (and optionally its sub-units)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    QUALITY_MANAGER = "quality_manager", _("Quality and compliance manager")
    RISK_MANAGER = "risk_manager", _("Risk manager")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal auditor")
    SECURITY_OFFICER = "security_officer", _("Security officer")
    SERVICE_AGENT = "service_agent", _("Customer-service agent")
    CONSUMER_PROTECTION_OFFICER = "consumer_protection_officer", _("Consumer-protection officer")
    TRAINER = "trainer", _("Trainer")
    AML_ANALYST = "aml_analyst", _("AML analyst")
    EMPLOYEE = "employee", _("Employee")
    EXECUTIVE = "executive", _("Executive")
    EXTERNAL_ASSESSOR = "external_assessor", _("External assessor")


# MLPS level 3 (GB/T 22239-2019): the three administrator roles are held by different people.
MLPS_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles that must carry an end date.
TIME_BOXED_ROLES = frozenset({Role.EXTERNAL_ASSESSOR})


class Perm:
    """Permission names. Later modules add theirs to ROLE_PERMISSIONS where they land."""

    DASHBOARD_VIEW = "platform.view_dashboard"
    ORG_VIEW = "accounts.view_org"
    ORG_MANAGE = "accounts.manage_org"
    USER_VIEW = "accounts.view_user"
    USER_MANAGE = "accounts.manage_user"
    ROLE_ASSIGN = "accounts.assign_role"
    SECURITY_MANAGE = "accounts.manage_security"  # unlock accounts, reset 2FA
    AUDIT_VIEW = "platform.view_audit"
    AUDIT_EXPORT = "platform.export_audit"
    PII_UNMASK = "platform.unmask_pii"
    CALENDAR_MANAGE = "platform.manage_calendar"


_STAFF = {Perm.DASHBOARD_VIEW, Perm.ORG_VIEW}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.SYSTEM_ADMIN: _STAFF | {Perm.ORG_MANAGE, Perm.USER_VIEW, Perm.USER_MANAGE, Perm.CALENDAR_MANAGE},
    Role.SECURITY_ADMIN: _STAFF | {Perm.USER_VIEW, Perm.ROLE_ASSIGN, Perm.SECURITY_MANAGE},
    Role.AUDIT_ADMIN: _STAFF | {Perm.USER_VIEW, Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT},
    Role.QUALITY_MANAGER: set(_STAFF),
    Role.RISK_MANAGER: set(_STAFF),
    Role.INTERNAL_AUDITOR: set(_STAFF),
    Role.SECURITY_OFFICER: set(_STAFF),
    Role.SERVICE_AGENT: set(_STAFF),
    Role.CONSUMER_PROTECTION_OFFICER: _STAFF | {Perm.PII_UNMASK},
    Role.TRAINER: set(_STAFF),
    Role.AML_ANALYST: set(_STAFF),
    Role.EMPLOYEE: set(_STAFF),
    Role.EXECUTIVE: set(_STAFF),
    Role.EXTERNAL_ASSESSOR: {Perm.DASHBOARD_VIEW},
}

# Roles that may only read, whatever a module grants them.
READ_ONLY_ROLES = frozenset({Role.EXECUTIVE, Role.EXTERNAL_ASSESSOR, Role.AUDIT_ADMIN})


def grant(role: str, *perms: str) -> None:
    """Let a module add its permissions to a built-in role (called from the module's AppConfig.ready)."""
    ROLE_PERMISSIONS[role].update(perms)


def roles_with(perm: str) -> set[str]:
    return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}
