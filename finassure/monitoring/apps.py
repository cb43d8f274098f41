"""App configuration for risk monitoring."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "finassure.monitoring"
    label = "monitoring"
    verbose_name = _("Risk monitoring")
