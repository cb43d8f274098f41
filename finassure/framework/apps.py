"""App configuration for assurance framework."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrameworkConfig(AppConfig):
    name = "finassure.framework"
    label = "framework"
    verbose_name = _("Assurance framework")

    def ready(self) -> None:
        from finassure.framework import permissions
        from finassure.framework.permissions import FPerm
        from finassure.platform import nav

        permissions.install()
        section = _("Assurance framework")
        for label, url_name, perm, order in (
            (_("Measures and indicators"), "framework:measure_list", FPerm.VIEW, 10),
            (_("Corrective actions"), "framework:action_list", FPerm.ACTION_VIEW, 20),
            (_("Special funds"), "framework:budget", FPerm.VIEW, 30),
            (_("Accountability records"), "framework:accountability_list", FPerm.VIEW, 40),
            (_("Quarterly report"), "framework:quarterly_report", FPerm.VIEW, 50),
            (_("Meetings and internal reviews"), "framework:meeting_list", FPerm.VIEW, 60),
            (_("Third-party assessments"), "framework:assessment_list", FPerm.VIEW, 70),
            (_("Cost-benefit"), "framework:cost_benefit", FPerm.VIEW, 80),
            (_("Responsibility matrix (RACI)"), "framework:raci", FPerm.VIEW, 90),
        ):
            nav.register(nav.NavItem(section, label, url_name, perm, order))
        nav.register(nav.NavItem(_("My account"), _("Notifications"), "framework:notification_list", FPerm.VIEW, 980))
