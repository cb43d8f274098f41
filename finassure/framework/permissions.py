"""Permission names of the assurance framework and the built-in roles that hold them."""

from __future__ import annotations

from finassure.accounts.roles import READ_ONLY_ROLES, Role, grant


class FPerm:
    VIEW = "framework.view_framework"          # dashboard, measures, indicators, snapshots, reports
    MANAGE = "framework.manage_framework"      # load the library, tune targets, name owners
    RUN_SNAPSHOTS = "framework.run_snapshots"  # compute snapshots on demand
    ACTION_VIEW = "framework.view_action"
    ACTION_MANAGE = "framework.manage_action"  # raise, assign and work on corrective actions
    ACTION_VERIFY = "framework.verify_action"  # verify effectiveness and close (never one's own)
    PLAN_MANAGE = "framework.manage_plan"      # work-plan tasks, accountability records, budget lines


_READ = (FPerm.VIEW, FPerm.ACTION_VIEW)

ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    Role.QUALITY_MANAGER: _READ + (FPerm.MANAGE, FPerm.RUN_SNAPSHOTS, FPerm.ACTION_MANAGE, FPerm.ACTION_VERIFY,
                                   FPerm.PLAN_MANAGE),
    Role.RISK_MANAGER: _READ + (FPerm.RUN_SNAPSHOTS, FPerm.ACTION_MANAGE, FPerm.ACTION_VERIFY, FPerm.PLAN_MANAGE),
    Role.INTERNAL_AUDITOR: _READ + (FPerm.ACTION_MANAGE, FPerm.ACTION_VERIFY),
    Role.SECURITY_OFFICER: _READ + (FPerm.ACTION_MANAGE,),
    Role.CONSUMER_PROTECTION_OFFICER: _READ + (FPerm.ACTION_MANAGE,),
    Role.TRAINER: _READ + (FPerm.ACTION_MANAGE,),
    Role.SYSTEM_ADMIN: _READ,
    Role.SECURITY_ADMIN: _READ,
    Role.SERVICE_AGENT: _READ,
    Role.AML_ANALYST: _READ,
    Role.EMPLOYEE: _READ,
    Role.EXECUTIVE: _READ,
    Role.EXTERNAL_ASSESSOR: _READ,
    Role.AUDIT_ADMIN: _READ,
}


def install() -> None:
    for role, perms in ROLE_GRANTS.items():
        if role in READ_ONLY_ROLES:
            perms = tuple(p for p in perms if p in _READ)
        grant(role, *perms)
