"""App configuration for risk monitoring."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "finassure.monitoring"
    label = "monitoring"
    verbose_name = _("Risk monitoring")

    def ready(self) -> None:
        from finassure.accounts.roles import grant
        from finassure.monitoring import perms
        from finassure.platform import nav

        for role, granted in perms.ROLE_GRANTS.items():
            grant(role, *granted)
        section = _("Risk monitoring")
        nav.register(nav.NavItem(section, _("Alert queue"), "monitoring:alert_list", perms.VIEW, 600))
        nav.register(nav.NavItem(section, _("Cases"), "monitoring:case_list", perms.VIEW, 601))
        nav.register(nav.NavItem(section, _("AML reports"), "monitoring:report_list", perms.VIEW, 602))
        nav.register(nav.NavItem(section, _("Rules and tuning"), "monitoring:rule_list", perms.VIEW, 603))
        nav.register(nav.NavItem(section, _("Engine runs"), "monitoring:run_list", perms.VIEW, 604))
        nav.register(nav.NavItem(section, _("Models"), "monitoring:model_list", perms.VIEW, 605))
