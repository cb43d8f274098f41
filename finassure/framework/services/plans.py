"""Reminders and escalation, work-plan tasks, accountability records, special-fund budget lines, notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.framework import notify
from finassure.framework.models import (
    AccountabilityRecord,
    BudgetLine,
    CorrectiveAction,
    Measure,
    Notification,
    WorkTask,
)
from finassure.framework.permissions import FPerm
from finassure.framework.services._common import Status, _invalid
from finassure.platform import audit
from finassure.platform.errors import ValidationFailed
from finassure.platform.language import lazy_text

# --- reminders and escalation ---------------------------------------------------------------------

DUE_SOON_DAYS = 3


def _notified_today(recipient: Any, kind: str, url: str) -> bool:
    return Notification.objects.filter(recipient=recipient, kind=kind, url=url,
                                       created_at__date__gte=timezone.localdate()).exists()


@transaction.atomic
def reminders_send(*, actor: Any = None, today: dt.date | None = None) -> dict[str, int]:
    """Remind owners of actions due soon or overdue (once a day); escalate overdue tasks to the manager once."""
    today = today or timezone.localdate()
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    working = CorrectiveAction.objects.filter(status__in=[Status.OPEN, Status.IN_PROGRESS]).select_related("owner")
    for action in working.filter(due__lte=today + dt.timedelta(days=DUE_SOON_DAYS)):
        kind = Notification.Kind.OVERDUE if action.due < today else Notification.Kind.DUE_SOON
        url = action.get_absolute_url()
        if _notified_today(action.owner, kind, url):
            continue
        text = (gettext_lazy("Corrective action overdue: %(title)s (due %(due)s)")
                if kind == Notification.Kind.OVERDUE
                else gettext_lazy("Corrective action due soon: %(title)s (due %(due)s)"))
        notify.send(recipient=action.owner, kind=kind, url=url,
                    title=lazy_text(text, {"title": action.title, "due": action.due}))
        counts["overdue" if kind == Notification.Kind.OVERDUE else "due_soon"] += 1
    overdue_tasks = WorkTask.objects.filter(deadline__lt=today, escalated_at__isnull=True).exclude(
        status=WorkTask.Status.DONE).select_related("measure__owner", "owner", "org_unit")
    for work_task in overdue_tasks:
        manager = task_manager(work_task)
        if manager is not None:
            notify.send(recipient=manager, kind=Notification.Kind.OVERDUE,
                        title=lazy_text(gettext_lazy("Overdue task of %(owner)s: %(title)s (deadline %(deadline)s)"),
                                        {"owner": work_task.owner, "title": work_task.title,
                                         "deadline": work_task.deadline}),
                        url=work_task.measure.get_absolute_url())
        work_task.escalated_at = timezone.now()
        work_task.save(update_fields=["escalated_at", "updated_at"])
        audit.record(action="work_task.escalate", actor=actor, obj=work_task,
                     detail={"manager": manager.pk if manager else None})
        counts["escalated"] += 1
    return counts


def task_manager(work_task: WorkTask) -> Any:
    """Whom an overdue task escalates to: the measure's owner, else a quality manager over the task's unit."""
    owner = work_task.measure.owner
    if owner is not None and owner.pk != work_task.owner_id and owner.is_active:
        return owner
    return (access.users_with_role(role="quality_manager", unit=work_task.org_unit)
            .exclude(pk=work_task.owner_id).order_by("pk").first())


# --- work plans, accountability, budget -----------------------------------------------------------


@transaction.atomic
def work_task_create(*, actor: Any, measure: Measure, org_unit: OrgUnit, title: str, owner: Any,
                     deadline: dt.date) -> WorkTask:
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    if not (title or "").strip():
        raise _invalid("title", _("A task needs a title."))
    if owner is None or not owner.is_active:
        raise _invalid("owner", _("A task needs an active owner."))
    work_task = WorkTask.objects.create(measure=measure, org_unit=org_unit, title=title.strip()[:200], owner=owner,
                                        deadline=deadline)
    audit.record(action="work_task.create", actor=actor, obj=work_task, changes=audit.snapshot(work_task))
    notify.send(recipient=owner, kind=Notification.Kind.ASSIGNED,
                title=lazy_text(gettext_lazy("Task assigned to you: %(title)s (deadline %(deadline)s)"),
                                {"title": work_task.title, "deadline": deadline}), url=measure.get_absolute_url())
    return work_task


@transaction.atomic
def work_task_progress(*, actor: Any, work_task: WorkTask, status: str, evidence: Any = None,
                       evidence_note: str = "") -> WorkTask:
    """The owner (or a planner) moves a task on; done needs evidence, a file or a note."""
    work_task = WorkTask.objects.select_for_update().select_related("org_unit").get(pk=work_task.pk)
    if actor is None or actor.pk != work_task.owner_id:
        access.require(actor, FPerm.PLAN_MANAGE, work_task.org_unit)
    if status not in WorkTask.Status.values:
        raise _invalid("status", _("Unknown status."))
    if status == WorkTask.Status.DONE and not (evidence or evidence_note.strip() or work_task.evidence):
        raise _invalid("evidence", _("Attach evidence or describe it before marking the task done."))
    before = audit.snapshot(work_task)
    work_task.status = status
    work_task.done_at = timezone.now() if status == WorkTask.Status.DONE else None
    if evidence is not None:
        work_task.evidence = evidence
    if evidence_note.strip():
        work_task.evidence_note = evidence_note.strip()
    work_task.save()
    audit.record(action="work_task.progress", actor=actor, obj=work_task,
                 changes=audit.diff(before, audit.snapshot(work_task)))
    return work_task


@transaction.atomic
def accountability_record_create(*, actor: Any, org_unit: OrgUnit, subject: str, person: Any, finding: str,
                                 outcome: str, decided_on: dt.date, measure: Measure | None = None
                                 ) -> AccountabilityRecord:
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    missing = {f: v for f, v in {"subject": subject, "finding": finding, "outcome": outcome}.items()
               if not (v or "").strip()}
    if missing:
        raise ValidationFailed(_("Say what happened, what was found and the outcome."),
                               fields={f: [_("This field is required.")] for f in missing})
    if person is None:
        raise _invalid("person", _("Name the person accountable."))
    record = AccountabilityRecord.objects.create(org_unit=org_unit, subject=subject.strip()[:200], person=person,
                                                 finding=finding.strip(), outcome=outcome.strip(),
                                                 decided_on=decided_on, measure=measure,
                                                 recorded_by=actor if getattr(actor, "is_authenticated", False)
                                                 else None)
    audit.record(action="accountability_record.create", actor=actor, obj=record, changes=audit.snapshot(record))
    return record


@transaction.atomic
def budget_line_save(*, actor: Any, measure: Measure, org_unit: OrgUnit, year: int, title: str,
                     planned: Decimal, committed: Decimal = Decimal(0), spent: Decimal = Decimal(0),
                     line: BudgetLine | None = None) -> BudgetLine:
    """Create or update a special-fund budget line; amounts are yuan and never negative."""
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    amounts = {"planned": planned, "committed": committed, "spent": spent}
    bad = {k: [_("Amounts cannot be negative.")] for k, v in amounts.items() if v < 0}
    if bad:
        raise ValidationFailed(_("Amounts cannot be negative."), fields=bad)
    if not (title or "").strip():
        raise _invalid("title", _("A budget line needs a title."))
    before = audit.snapshot(line) if line else {}
    line = line or BudgetLine(measure=measure, org_unit=org_unit, year=year)
    line.title, line.planned, line.committed, line.spent = title.strip()[:200], planned, committed, spent
    line.year = year
    line.save()
    audit.record(action="budget_line.save", actor=actor, obj=line, changes=audit.diff(before, audit.snapshot(line)))
    return line


@transaction.atomic
def notifications_mark_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
