"""Pure rules of evaluation: the status of a value against a target and amber band, and effective targets."""

from __future__ import annotations

from dataclasses import dataclass

GREEN, AMBER, RED, NO_DATA, NO_SOURCE = "green", "amber", "red", "no_data", "no_source"
_EPS = 1e-9


def status_for(value: float | None, *, target: float, amber: float, direction: str) -> str:
    """Higher-is-better: green at or above target, amber within `amber` below it, red beyond; lower mirrors it."""
    if value is None:
        return NO_DATA
    if direction == "higher":
        if value >= target - _EPS:
            return GREEN
        return AMBER if value >= target - amber - _EPS else RED
    if value <= target + _EPS:
        return GREEN
    return AMBER if value <= target + amber + _EPS else RED


@dataclass(frozen=True)
class Target:
    target: float
    amber: float
    source: str  # "library", "institution", "business line", "org unit"


def effective_target(*, indicator_target: float, indicator_amber: float, tuned: bool, unit_path: str,
                     business_line_id: int | None, unit_overrides: dict[str, tuple[float, float]],
                     line_overrides: dict[int, tuple[float, float]]) -> Target:
    """The nearest org-unit override up the tree wins, then the unit's business line, then the indicator's."""
    best: tuple[str, tuple[float, float]] | None = None
    for path, values in unit_overrides.items():
        if unit_path.startswith(path) and (best is None or len(path) > len(best[0])):
            best = (path, values)
    if best is not None:
        return Target(best[1][0], best[1][1], "org unit")
    if business_line_id is not None and business_line_id in line_overrides:
        target, amber = line_overrides[business_line_id]
        return Target(target, amber, "business line")
    return Target(indicator_target, indicator_amber, "institution" if tuned else "library")
