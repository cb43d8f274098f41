"""App configuration for training."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "finassure.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from finassure.accounts.roles import grant
        from finassure.platform import nav
        from finassure.training import permissions as p

        for role in p.VIEWERS:
            grant(role, p.VIEW)
        for role in p.MANAGERS:
            grant(role, p.MANAGE)
        section = _("Training")
        nav.register(nav.NavItem(section, _("My trainings"), "training:my", p.OWN, 500))
        nav.register(nav.NavItem(section, _("Staff roster"), "training:employee_list", p.VIEW, 510))
        nav.register(nav.NavItem(section, _("Courses"), "training:course_list", p.VIEW, 520))
        nav.register(nav.NavItem(section, _("Training plans"), "training:plan_list", p.VIEW, 530))
        nav.register(nav.NavItem(section, _("Assignments"), "training:assignment_list", p.VIEW, 540))
        nav.register(nav.NavItem(section, _("Question banks"), "training:bank_list", p.VIEW, 550))
        nav.register(nav.NavItem(section, _("Exams and assessments"), "training:exam_list", p.VIEW, 560))
        nav.register(nav.NavItem(section, _("Staff scorecards"), "training:scorecard_list", p.VIEW, 570))
