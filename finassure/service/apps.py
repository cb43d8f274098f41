"""App configuration for customer service."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "finassure.service"
    label = "service"
    verbose_name = _("Customer service")

    def ready(self) -> None:
        from finassure.accounts.roles import grant
        from finassure.platform import nav
        from finassure.service import perms

        for role, granted in perms.ROLE_GRANTS.items():
            grant(role, *granted)
        section = _("Customer service")
        nav.register(nav.NavItem(section, _("Complaints"), "service:complaint_list", perms.VIEW, 300))
        nav.register(nav.NavItem(section, _("Complaint statistics"), "service:complaint_statistics", perms.VIEW, 302))
        nav.register(nav.NavItem(section, _("Register a complaint"), "service:complaint_create", perms.CREATE, 301))
        nav.register(nav.NavItem(section, _("Import complaints"), "service:complaint_import", perms.IMPORT, 303))
        nav.register(nav.NavItem(section, _("FAQ knowledge base"), "service:faq_list", perms.CONFIGURE, 306))
        nav.register(nav.NavItem(section, _("Complaint categories"), "service:category_list", perms.CONFIGURE, 305))
        nav.register(nav.NavItem(section, _("Routing rules"), "service:routing_rule_list", perms.CONFIGURE, 307))
