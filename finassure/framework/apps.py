"""App configuration for assurance framework."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrameworkConfig(AppConfig):
    name = "finassure.framework"
    label = "framework"
    verbose_name = _("Assurance framework")

    def ready(self) -> None:
        from finassure.framework import permissions

        permissions.install()
