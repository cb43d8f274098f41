"""App configuration for governance: permissions for the built-in roles and the navigation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "finassure.governance"
    label = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from finassure.governance import permissions
        from finassure.platform import nav

        permissions.register()
        section = _("Governance")
        for label, url_name, perm, order in [
            (_("Policies"), "governance:policy_list", permissions.VIEW_POLICY, 300),
            (_("Policy coverage"), "governance:coverage", permissions.VIEW_POLICY, 301),
            (_("Business processes"), "governance:process_list", permissions.VIEW_POLICY, 302),
            (_("Positions"), "governance:position_list", permissions.VIEW_POLICY, 303),
            (_("Regulations"), "governance:regulation_list", permissions.VIEW_POLICY, 304),
            (_("Internal audit"), "governance:engagement_list", permissions.VIEW_AUDIT, 305),
            (_("My policy attestations"), "governance:my_attestations", permissions.VIEW_POLICY, 306),
            (_("Risk register"), "governance:risk_list", permissions.VIEW_RISK, 307),
            (_("Controls"), "governance:control_list", permissions.VIEW_RISK, 308),
            (_("Products"), "governance:product_list", permissions.VIEW_PRODUCT, 309),
        ]:
            nav.register(nav.NavItem(section, label, url_name, perm, order))
