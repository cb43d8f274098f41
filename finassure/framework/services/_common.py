"""Helpers shared by the framework's service modules."""

from __future__ import annotations

import logging

from finassure.framework.models import (
    CorrectiveAction,
)
from finassure.platform.errors import ValidationFailed

Status = CorrectiveAction.Status
log = logging.getLogger(__name__)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})
