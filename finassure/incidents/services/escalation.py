"""The timers' periodic check: warn before and escalate at each missed deadline, once each."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.accounts.roles import Role
from finassure.incidents import selectors
from finassure.incidents.models import (
    Incident,
    IncidentAlert,
    IncidentEvent,
)
from finassure.incidents.services._common import (
    _alert,
    _event,
    _on_duty,
)
from finassure.incidents.timers import BREACHED, WARNING, ack_timer, report_timer
from finassure.platform import audit
from finassure.platform.language import institution_text, lazy_text

# --- timers -------------------------------------------------------------------------------------


def _escalation_recipients(incident: Incident) -> list[User]:
    people = _on_duty(incident)
    if incident.commander is not None:
        people.append(incident.commander)
    parent = incident.org_unit.parent
    for role in (Role.RISK_MANAGER, Role.EXECUTIVE):
        people += list(access.users_with_role(role=role, unit=parent or incident.org_unit))
    return list({p.pk: p for p in people}.values())


@transaction.atomic
def timers_check(*, now: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """Warn before and escalate at each breach of an open incident's timers; once each. Returns what it raised.

    Run by the periodic task; each alert is in-app (IncidentAlert), on the timeline and in the audit trail.
    """
    now = now or timezone.now()
    raised: list[tuple[str, str, str]] = []
    for incident in selectors.incidents_needing_attention(now=now).select_for_update(of=("self",)):
        for timer_name, state, warned, escalated in (
            ("ack", ack_timer(incident, now), "ack_warned_at", "ack_escalated_at"),
            ("report", report_timer(incident, now), "report_warned_at", "report_escalated_at"),
        ):
            label = (gettext_lazy("acknowledgement") if timer_name == "ack"
                     else gettext_lazy("first report to the regulator"))
            if state.state == BREACHED and getattr(incident, escalated) is None:
                kind = IncidentAlert.Kind.BREACH
                message = lazy_text(
                    gettext_lazy("%(ref)s: the %(timer)s deadline was missed (due %(due)s); escalated."),
                    {"ref": incident.reference, "timer": label,
                     "due": timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M") if state.due_at else ""})
                setattr(incident, escalated, now)
                recipients = _escalation_recipients(incident)
            elif state.state == WARNING and getattr(incident, warned) is None:
                kind = IncidentAlert.Kind.WARNING
                message = lazy_text(gettext_lazy("%(ref)s: the %(timer)s is due in %(minutes)s minutes."), {
                    "ref": incident.reference, "timer": label, "minutes": state.remaining_minutes})
                recipients = _on_duty(incident) + ([incident.commander] if incident.commander else [])
            else:
                continue
            setattr(incident, warned, getattr(incident, warned) or now)
            incident.save(update_fields=[warned, escalated, "updated_at"])
            _alert(incident, kind=kind, timer=timer_name, message=message, recipients=recipients)
            _event(incident, kind=IncidentEvent.Kind.ALERT, actor=None, at=now, text=institution_text(message))
            audit.record(action=f"incident.timer_{kind}", actor_repr="system", obj=incident,
                         org_unit_id=incident.org_unit_id,
                         detail={"timer": timer_name, "due_at": state.due_at})
            raised.append((incident.reference, timer_name, kind))
    return raised
