"""Incident timers: the state of a deadline at a moment (running, warning, breached, met, late).

Pure functions of the incident's stored timestamps and deadlines, so the page, the list, the API and the
periodic escalation all tell the same story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from finassure.incidents.models import Incident

# A timer warns once less than this share of its span remains.
WARN_FRACTION = 0.25

RUNNING, WARNING, BREACHED, MET, LATE, NOT_APPLICABLE = "running", "warning", "breached", "met", "late", "n/a"
LABELS = {
    RUNNING: _("running"), WARNING: _("due soon"), BREACHED: _("overdue"), MET: _("met"), LATE: _("met late"),
    NOT_APPLICABLE: _("not required"),
}
BADGES = {RUNNING: "bg-blue-lt", WARNING: "bg-yellow-lt", BREACHED: "bg-red-lt", MET: "bg-green-lt",
          LATE: "bg-orange-lt", NOT_APPLICABLE: "bg-secondary-lt"}


@dataclass(frozen=True)
class TimerState:
    name: str
    started_at: dt.datetime
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    state: str
    remaining: dt.timedelta | None  # negative when overdue; None when done or not applicable

    @property
    def label(self) -> str:
        return str(LABELS[self.state])

    @property
    def badge(self) -> str:
        return BADGES[self.state]

    @property
    def remaining_minutes(self) -> int | None:
        return None if self.remaining is None else int(self.remaining.total_seconds() // 60)

    @property
    def overdue_minutes(self) -> int | None:
        return None if self.remaining is None else int(-self.remaining.total_seconds() // 60)


def timer_state(name: str, started_at: dt.datetime, due_at: dt.datetime | None, done_at: dt.datetime | None,
                now: dt.datetime) -> TimerState:
    if due_at is None:
        return TimerState(name, started_at, None, done_at, NOT_APPLICABLE, None)
    if done_at is not None:
        return TimerState(name, started_at, due_at, done_at, MET if done_at <= due_at else LATE, None)
    remaining = due_at - now
    if remaining <= dt.timedelta(0):
        state = BREACHED
    elif remaining <= (due_at - started_at) * WARN_FRACTION:
        state = WARNING
    else:
        state = RUNNING
    return TimerState(name, started_at, due_at, None, state, remaining)


def ack_timer(incident: Incident, now: dt.datetime) -> TimerState:
    return timer_state("ack", incident.reported_at, incident.ack_due_at, incident.acknowledged_at, now)


def report_timer(incident: Incident, now: dt.datetime) -> TimerState:
    return timer_state("report", incident.reported_at, incident.report_due_at, incident.regulator_reported_at, now)
