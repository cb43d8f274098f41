"""App configuration for incidents and emergencies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "finassure.incidents"
    label = "incidents"
    verbose_name = _("Incidents and emergencies")

    def ready(self) -> None:
        from finassure.accounts.roles import READ_ONLY_ROLES, Role, grant
        from finassure.platform import nav

        view, report, manage = "incidents.view_incident", "incidents.report_incident", "incidents.manage_incident"
        manage_plan, approve_plan = "incidents.manage_plan", "incidents.approve_plan"
        for role in (Role.SECURITY_OFFICER, Role.SECURITY_ADMIN, Role.RISK_MANAGER, Role.QUALITY_MANAGER):
            grant(role, view, report, manage, manage_plan)
        for role in (Role.RISK_MANAGER, Role.QUALITY_MANAGER, Role.SECURITY_ADMIN):
            grant(role, approve_plan)
        for role in (Role.INTERNAL_AUDITOR, Role.CONSUMER_PROTECTION_OFFICER, Role.SYSTEM_ADMIN, *READ_ONLY_ROLES):
            grant(role, view)
        # Anyone in the institution may report an incident (the read-only roles only read).
        for value in Role.values:
            if value not in READ_ONLY_ROLES:
                grant(value, report)
        nav.register(nav.NavItem(_("Incidents and emergencies"), _("Incidents"), "incidents:list", view, 500))
        nav.register(nav.NavItem(_("Incidents and emergencies"), _("Report an incident"), "incidents:report",
                                 report, 501))
        nav.register(nav.NavItem(_("Incidents and emergencies"), _("Emergency plans"), "incidents:plan_list", view,
                                 510))
        nav.register(nav.NavItem(_("Incidents and emergencies"), _("Drills"), "incidents:drill_list", view, 520))
        nav.register(nav.NavItem(_("Incidents and emergencies"), _("Response efficiency"), "incidents:efficiency", view,
                                 530))
        # Incident types, reporting rules and review days are security policy: the security administrator's.
        grant(Role.SECURITY_ADMIN, "incidents.configure")
        nav.register(nav.NavItem(_("Incidents and emergencies"), _("Incident settings"), "incidents:settings",
                                 "incidents.configure", 590))
