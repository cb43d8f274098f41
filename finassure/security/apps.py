"""App configuration for information security."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "finassure.security"
    label = "security"
    verbose_name = _("Information security")

    def ready(self) -> None:
        from finassure.accounts.roles import READ_ONLY_ROLES, Role, grant
        from finassure.platform import nav

        view, import_scan, manage = ("security.view_vulnerability", "security.import_scan",
                                     "security.manage_vulnerability")
        for role in (Role.SECURITY_OFFICER, Role.SECURITY_ADMIN):
            grant(role, view, import_scan, manage)
        grant(Role.SECURITY_ADMIN, "security.manage_access_review")
        for role in (Role.RISK_MANAGER, Role.INTERNAL_AUDITOR, Role.SYSTEM_ADMIN, Role.QUALITY_MANAGER,
                     *READ_ONLY_ROLES):
            grant(role, view)
        # Platform backups: the system administrator runs them and sets the policy (MLPS separation of duties);
        # the security roles and the audit administrator read the evidence.
        view_backup, manage_backup = "security.view_backup", "security.manage_backup"
        for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_OFFICER, Role.AUDIT_ADMIN):
            grant(role, view_backup)
        grant(Role.SYSTEM_ADMIN, manage_backup)
        section = _("Information security")
        nav.register(nav.NavItem(section, _("Vulnerabilities"), "security:vulnerability_list", view, 600))
        nav.register(nav.NavItem(section, _("Vulnerability scans"), "security:scan_list", view, 601))
        nav.register(nav.NavItem(section, _("Access reviews"), "security:access_review_list", view, 610))
        nav.register(nav.NavItem(section, _("Backups and recovery"), "security:backup_overview", view_backup, 620))
