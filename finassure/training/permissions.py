"""Permission names of training and the built-in roles that hold them (granted in apps.ready)."""

from __future__ import annotations

from finassure.accounts.roles import Role

VIEW = "training.view_training"  # roster, courses, plans, assignments, banks, exams, results, scorecards
MANAGE = "training.manage_training"  # import the roster, edit catalogue, plans, banks and exams
OWN = "platform.view_dashboard"  # every staff member: own trainings and exams

VIEWERS = (Role.QUALITY_MANAGER, Role.RISK_MANAGER, Role.INTERNAL_AUDITOR, Role.TRAINER, Role.EXECUTIVE,
           Role.EXTERNAL_ASSESSOR, Role.AUDIT_ADMIN)
MANAGERS = (Role.TRAINER, Role.QUALITY_MANAGER)
