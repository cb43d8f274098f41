"""App configuration for customer service."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "finassure.service"
    label = "service"
    verbose_name = _("Customer service")
