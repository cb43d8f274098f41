"""Permission names of customer service, and which built-in roles hold them (granted in apps.ready)."""

from __future__ import annotations

from finassure.accounts.roles import Role

VIEW = "service.view_complaint"
CREATE = "service.create_complaint"
HANDLE = "service.handle_complaint"
APPROVE = "service.approve_complaint"  # second extension, compensation approval (senior)
CONFIGURE = "service.configure"  # category taxonomy
IMPORT = "service.import_complaints"

ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    Role.SERVICE_AGENT: (VIEW, CREATE, HANDLE),
    Role.CONSUMER_PROTECTION_OFFICER: (VIEW, CREATE, HANDLE, APPROVE, CONFIGURE, IMPORT),
    Role.QUALITY_MANAGER: (VIEW,),
    Role.INTERNAL_AUDITOR: (VIEW,),
    Role.EXECUTIVE: (VIEW,),
    Role.EXTERNAL_ASSESSOR: (VIEW,),
    Role.AUDIT_ADMIN: (VIEW,),
}
