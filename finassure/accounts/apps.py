"""App configuration for organisation and access."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "finassure.accounts"
    label = "accounts"
    verbose_name = _("Organisation and access")

    def ready(self) -> None:
        from finassure.accounts import authcache  # noqa: F401  (connects the token cache's invalidation signals)
        from finassure.platform import nav

        nav.register(nav.NavItem(_("Administration"), _("Org units"), "accounts:org_tree", "accounts.view_org", 900))
        nav.register(nav.NavItem(_("Administration"), _("Users and roles"), "accounts:user_list",
                                 "accounts.view_user", 910))
        nav.register(nav.NavItem(_("My account"), _("API tokens"), "accounts:tokens", "platform.view_dashboard", 990))
