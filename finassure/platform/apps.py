"""App configuration for platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "finassure.platform"
    label = "platform"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from finassure.platform import auth_audit, nav

        auth_audit.connect()
        nav.register(nav.NavItem(_("Overview"), _("Dashboard"), "platform:home", "platform.view_dashboard", 0))
        nav.register(nav.NavItem(_("Administration"), _("Audit trail"), "platform:audit_list",
                                 "platform.view_audit", 930))
        nav.register(nav.NavItem(_("Administration"), _("Business calendar"), "platform:business_calendar",
                                 "platform.manage_calendar", 940))
