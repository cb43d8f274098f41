"""Suspicious-typology scenarios as ibis expressions (filled in by the typology rules)."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

IMPLEMENTATIONS: dict[str, Any] = {}
__all__ = ["IMPLEMENTATIONS", "ir"]
