"""Writes of governance. Each checks permission, changes state and writes the audit record in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit, User
from finassure.governance.catalogue import DEFAULT_PROCESSES
from finassure.governance.models import (
    RISK_SCALE,
    Article,
    Attestation,
    AuditPlan,
    Control,
    ControlTest,
    Engagement,
    Finding,
    IncompatibleDuty,
    KeyRiskIndicator,
    KriValue,
    Policy,
    PolicyReview,
    PolicyVersion,
    Position,
    Process,
    Risk,
)
from finassure.governance.permissions import (
    APPROVE_POLICY,
    MANAGE_AUDIT,
    MANAGE_POLICY,
    MANAGE_RISK,
    VIEW_POLICY,
    VIEW_RISK,
)
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed

Status = PolicyVersion.Status


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# --- processes ----------------------------------------------------------------------------------


@transaction.atomic
def process_create(*, actor: Any, org_unit: OrgUnit, business_line: BusinessLine, code: str, name: str,
                   name_en: str = "", description: str = "") -> Process:
    if actor is not None:
        access.require(actor, MANAGE_POLICY, org_unit)
    if business_line.institution_id != org_unit.institution_id:
        raise _invalid("business_line", _("The business line belongs to another institution."))
    if Process.objects.filter(business_line=business_line, code=code).exists():
        raise _invalid("code", _("This business line already has a process with this code."))
    process = Process.objects.create(org_unit=org_unit, business_line=business_line, code=code, name=name,
                                     name_en=name_en, description=description)
    audit.record(action="process.create", actor=actor, obj=process, changes=audit.snapshot(process))
    return process


@transaction.atomic
def process_update(*, actor: Any, process: Process, name: str, name_en: str, description: str,
                   is_active: bool) -> Process:
    access.require(actor, MANAGE_POLICY, process.org_unit)
    before = audit.snapshot(process)
    process.name, process.name_en, process.description, process.is_active = name, name_en, description, is_active
    process.save(update_fields=["name", "name_en", "description", "is_active", "updated_at"])
    audit.record(action="process.update", actor=actor, obj=process, changes=audit.diff(before, audit.snapshot(process)))
    return process


@transaction.atomic
def process_seed_defaults(*, actor: Any, org_unit: OrgUnit, business_line: BusinessLine) -> list[Process]:
    """Add the default processes of the business line's type that it does not have yet."""
    if actor is not None:
        access.require(actor, MANAGE_POLICY, org_unit)
    existing = set(Process.objects.filter(business_line=business_line).values_list("code", flat=True))
    created = []
    for code, name, name_en in DEFAULT_PROCESSES.get(business_line.kind, []):
        if code not in existing:
            created.append(process_create(actor=actor, org_unit=org_unit, business_line=business_line, code=code,
                                          name=name, name_en=name_en))
    return created


# --- policies -----------------------------------------------------------------------------------


def _check_coverage_targets(policy_unit: OrgUnit, processes: Iterable[Process], positions: Iterable[Position]) -> None:
    """A policy of a business-line unit covers only that line's processes; head-office policies cover all."""
    line_id = policy_unit.business_line_id
    for process in processes:
        if process.org_unit.institution_id != policy_unit.institution_id:
            raise _invalid("processes", _("A process belongs to another institution."))
        if line_id is not None and process.business_line_id != line_id:
            raise _invalid("processes", _("“%(process)s” belongs to another business line than the policy's owner "
                                          "unit.") % {"process": process.name})
    for position in positions:
        if position.org_unit.institution_id != policy_unit.institution_id:
            raise _invalid("positions", _("A position belongs to another institution."))


@transaction.atomic
def policy_create(*, actor: Any, org_unit: OrgUnit, code: str, title: str, kind: str, body: str,
                  processes: Iterable[Process] = (), positions: Iterable[Position] = (),
                  review_due: dt.date | None = None) -> Policy:
    """A new policy with its first version as a draft written by `actor`."""
    access.require(actor, MANAGE_POLICY, org_unit)
    processes, positions = list(processes), list(positions)
    if Policy.objects.filter(code=code).exists():
        raise _invalid("code", _("A policy with this document number already exists."))
    if kind not in Policy.Kind.values:
        raise _invalid("kind", _("Unknown policy type."))
    if not body.strip():
        raise _invalid("body", _("The policy needs a text."))
    _check_coverage_targets(org_unit, processes, positions)
    policy = Policy.objects.create(org_unit=org_unit, code=code, title=title, kind=kind, review_due=review_due)
    policy.processes.set(processes)
    policy.positions.set(positions)
    version = PolicyVersion.objects.create(policy=policy, number=1, body=body, author=actor,
                                           change_summary=_("First version"))
    audit.record(action="policy.create", actor=actor, obj=policy,
                 changes={**audit.snapshot(policy), "processes": [p.pk for p in processes],
                          "positions": [p.pk for p in positions]})
    audit.record(action="policy_version.create", actor=actor, obj=version, org_unit_id=org_unit.pk)
    return policy


@transaction.atomic
def policy_update(*, actor: Any, policy: Policy, title: str, kind: str, processes: Iterable[Process],
                  positions: Iterable[Position], review_due: dt.date | None) -> Policy:
    access.require(actor, MANAGE_POLICY, policy.org_unit)
    processes, positions = list(processes), list(positions)
    if kind not in Policy.Kind.values:
        raise _invalid("kind", _("Unknown policy type."))
    _check_coverage_targets(policy.org_unit, processes, positions)
    before = {**audit.snapshot(policy), "processes": sorted(policy.processes.values_list("pk", flat=True)),
              "positions": sorted(policy.positions.values_list("pk", flat=True))}
    policy.title, policy.kind, policy.review_due = title, kind, review_due
    policy.save(update_fields=["title", "kind", "review_due", "updated_at"])
    policy.processes.set(processes)
    policy.positions.set(positions)
    after = {**audit.snapshot(policy), "processes": sorted(p.pk for p in processes),
             "positions": sorted(p.pk for p in positions)}
    audit.record(action="policy.update", actor=actor, obj=policy, changes=audit.diff(before, after))
    return policy


def _locked(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().select_related("policy", "policy__org_unit").get(pk=version.pk)


def _transition(version: PolicyVersion, actor: Any, action: str, before: dict[str, Any]) -> None:
    audit.record(action=f"policy_version.{action}", actor=actor, obj=version, org_unit_id=version.policy.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(version)))


@transaction.atomic
def policy_version_create(*, actor: Any, policy: Policy, body: str, change_summary: str) -> PolicyVersion:
    """A new draft, numbered after the last one. Only one version may be in the works at a time."""
    access.require(actor, MANAGE_POLICY, policy.org_unit)
    Policy.objects.select_for_update().filter(pk=policy.pk).first()
    if policy.is_retired:
        raise Conflict(_("This policy is retired."))
    if policy.versions.filter(status__in=[Status.DRAFT, Status.REVIEW, Status.APPROVED]).exists():
        raise Conflict(_("A version of this policy is already being drafted, reviewed or approved."))
    if not body.strip():
        raise _invalid("body", _("The policy needs a text."))
    last = policy.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PolicyVersion.objects.create(policy=policy, number=last + 1, body=body, change_summary=change_summary,
                                           author=actor)
    audit.record(action="policy_version.create", actor=actor, obj=version, org_unit_id=policy.org_unit_id,
                 changes=audit.snapshot(version))
    return version


@transaction.atomic
def policy_version_update(*, actor: Any, version: PolicyVersion, body: str, change_summary: str) -> PolicyVersion:
    version = _locked(version)
    access.require(actor, MANAGE_POLICY, version.policy.org_unit)
    if version.status != Status.DRAFT:
        raise Conflict(_("Only a draft can be edited."))
    if not body.strip():
        raise _invalid("body", _("The policy needs a text."))
    before = audit.snapshot(version)
    version.body, version.change_summary = body, change_summary
    version.save(update_fields=["body", "change_summary", "updated_at"])
    _transition(version, actor, "update", before)
    return version


@transaction.atomic
def policy_version_submit(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    version = _locked(version)
    access.require(actor, MANAGE_POLICY, version.policy.org_unit)
    if version.status != Status.DRAFT:
        raise Conflict(_("Only a draft can be sent for review."))
    before = audit.snapshot(version)
    version.status = Status.REVIEW
    version.save(update_fields=["status", "updated_at"])
    _transition(version, actor, "submit", before)
    return version


@transaction.atomic
def policy_version_review(*, actor: Any, version: PolicyVersion, accept: bool, comment: str = "") -> PolicyVersion:
    """The reviewer's opinion: accepted (it may now be approved) or sent back to draft with the reason."""
    version = _locked(version)
    access.require(actor, APPROVE_POLICY, version.policy.org_unit)
    if version.status != Status.REVIEW:
        raise Conflict(_("This version is not in review."))
    if version.author_id == actor.pk:
        raise PermissionDenied(_("You cannot review your own draft."))
    if not accept and not comment.strip():
        raise _invalid("comment", _("Say why the draft goes back."))
    before = audit.snapshot(version)
    version.reviewer, version.reviewed_at, version.review_comment = actor, timezone.now(), comment
    if not accept:
        version.status = Status.DRAFT
    version.save(update_fields=["reviewer", "reviewed_at", "review_comment", "status", "updated_at"])
    _transition(version, actor, "review" if accept else "return", before)
    return version


@transaction.atomic
def policy_version_approve(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    version = _locked(version)
    access.require(actor, APPROVE_POLICY, version.policy.org_unit)
    if version.status != Status.REVIEW or version.reviewer_id is None:
        raise Conflict(_("Only a reviewed version can be approved."))
    if version.author_id == actor.pk:
        raise PermissionDenied(_("You cannot approve your own draft."))
    before = audit.snapshot(version)
    version.status, version.approver, version.approved_at = Status.APPROVED, actor, timezone.now()
    version.save(update_fields=["status", "approver", "approved_at", "updated_at"])
    _transition(version, actor, "approve", before)
    return version


@transaction.atomic
def policy_version_publish(*, actor: Any, version: PolicyVersion, effective_from: dt.date) -> PolicyVersion:
    """Put an approved version in force: the previous one is superseded, and the staff of the positions the
    policy covers are asked to read and acknowledge it."""
    version = _locked(version)
    policy = version.policy
    access.require(actor, MANAGE_POLICY, policy.org_unit)
    if version.status != Status.APPROVED:
        raise Conflict(_("Only an approved version can be put in force."))
    previous = policy.versions.select_for_update().filter(status=Status.EFFECTIVE).first()
    if previous is not None:
        if previous.effective_from and effective_from <= previous.effective_from:
            raise _invalid("effective_from", _("The new version must take effect after the one in force."))
        before_prev = audit.snapshot(previous)
        previous.status, previous.ended_on = Status.SUPERSEDED, effective_from
        previous.save(update_fields=["status", "ended_on", "updated_at"])
        _transition(previous, actor, "supersede", before_prev)
    before = audit.snapshot(version)
    version.status, version.effective_from = Status.EFFECTIVE, effective_from
    version.save(update_fields=["status", "effective_from", "updated_at"])
    policy.effective_version = version
    policy.save(update_fields=["effective_version", "updated_at"])
    _transition(version, actor, "publish", before)
    attestation_campaign_start(actor=actor, version=version)
    return version


@transaction.atomic
def policy_retire(*, actor: Any, policy: Policy, on: dt.date) -> Policy:
    access.require(actor, MANAGE_POLICY, policy.org_unit)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.is_retired:
        raise Conflict(_("This policy is already retired."))
    current = policy.versions.filter(status=Status.EFFECTIVE).first()
    if current is not None:
        if current.effective_from and on < current.effective_from:
            raise _invalid("on", _("A policy cannot be retired before it took effect."))
        before = audit.snapshot(current)
        current.status, current.ended_on = Status.RETIRED, on
        current.save(update_fields=["status", "ended_on", "updated_at"])
        _transition(current, actor, "retire", before)
    policy.versions.filter(status__in=[Status.DRAFT, Status.REVIEW, Status.APPROVED]).update(status=Status.RETIRED)
    policy.is_retired, policy.effective_version = True, None
    policy.save(update_fields=["is_retired", "effective_version", "updated_at"])
    audit.record(action="policy.retire", actor=actor, obj=policy, detail={"on": on})
    return policy


# --- attestation --------------------------------------------------------------------------------


@transaction.atomic
def attestation_campaign_start(*, actor: Any, version: PolicyVersion) -> int:
    """Assign the effective version to every active holder of the positions the policy covers. Returns how
    many new assignments were made (holders already assigned keep theirs)."""
    access.require(actor, MANAGE_POLICY, version.policy.org_unit)
    if version.status != Status.EFFECTIVE:
        raise Conflict(_("Only the version in force is read and acknowledged."))
    return _assign_attestations(actor, version)


def _assign_attestations(actor: Any, version: PolicyVersion) -> int:
    holders = (User.objects.filter(governance_positions__policies=version.policy, is_active=True,
                                   org_unit__isnull=False).distinct())
    already = set(version.attestations.values_list("user_id", flat=True))
    new = [Attestation(version=version, user=u, org_unit_id=cast(int, u.org_unit_id)) for u in holders
           if u.pk not in already]
    Attestation.objects.bulk_create(new)
    if new:
        audit.record(action="attestation.campaign", actor=actor, obj=version,
                     org_unit_id=version.policy.org_unit_id, detail={"assigned": len(new)})
    return len(new)


@transaction.atomic
def attestation_confirm(*, actor: Any, attestation: Attestation) -> Attestation:
    """Staff confirm they have read the version; only their own, once."""
    if attestation.user_id != actor.pk:
        raise PermissionDenied(_("You can only confirm your own attestations."))
    access.require(actor, VIEW_POLICY)
    attestation = Attestation.objects.select_for_update().get(pk=attestation.pk)
    if attestation.confirmed_at is not None:
        raise Conflict(_("You have already confirmed this policy."))
    attestation.confirmed_at = timezone.now()
    attestation.save(update_fields=["confirmed_at", "updated_at"])
    audit.record(action="attestation.confirm", actor=actor, obj=attestation)
    return attestation


# --- positions ----------------------------------------------------------------------------------


@transaction.atomic
def position_create(*, actor: Any, org_unit: OrgUnit, code: str, name: str, duties: str = "",
                    permissions_needed: str = "", holders: Iterable[User] = ()) -> Position:
    if actor is not None:
        access.require(actor, MANAGE_POLICY, org_unit)
    if Position.objects.filter(org_unit=org_unit, code=code).exists():
        raise _invalid("code", _("This unit already has a position with this code."))
    holders = list(holders)
    _check_holders(org_unit, holders)
    position = Position.objects.create(org_unit=org_unit, code=code, name=name, duties=duties,
                                       permissions_needed=permissions_needed)
    position.holders.set(holders)
    audit.record(action="position.create", actor=actor, obj=position,
                 changes={**audit.snapshot(position), "holders": [h.pk for h in holders]})
    return position


def _check_holders(unit: OrgUnit, holders: list[User]) -> None:
    for holder in holders:
        if holder.org_unit is None or holder.org_unit.institution_id != unit.institution_id:
            raise _invalid("holders", _("A holder belongs to another institution."))


@transaction.atomic
def position_set_holders(*, actor: Any, position: Position, holders: Iterable[User]) -> Position:
    access.require(actor, MANAGE_POLICY, position.org_unit)
    holders = list(holders)
    _check_holders(position.org_unit, holders)
    before = sorted(position.holders.values_list("pk", flat=True))
    position.holders.set(holders)
    audit.record(action="position.holders", actor=actor, obj=position,
                 changes={"holders": [before, sorted(h.pk for h in holders)]})
    # newcomers read the policies in force that cover their position
    for version in PolicyVersion.objects.filter(status=Status.EFFECTIVE, policy__positions=position):
        _assign_attestations(actor, version)
    return position


@transaction.atomic
def incompatible_duty_create(*, actor: Any, first: Position, second: Position, reason: str = "") -> IncompatibleDuty:
    access.require(actor, MANAGE_POLICY, first.org_unit)
    access.require(actor, MANAGE_POLICY, second.org_unit)
    if first.pk == second.pk:
        raise _invalid("second", _("A position cannot be incompatible with itself."))
    low, high = sorted([first, second], key=lambda p: p.pk)
    if IncompatibleDuty.objects.filter(first=low, second=high).exists():
        raise _invalid("second", _("These positions are already marked incompatible."))
    pair = IncompatibleDuty.objects.create(first=low, second=high, reason=reason)
    audit.record(action="incompatible_duty.create", actor=actor, obj=pair, org_unit_id=low.org_unit_id,
                 changes=audit.snapshot(pair))
    return pair


# --- regulations --------------------------------------------------------------------------------


@transaction.atomic
def article_map(*, actor: Any, article: Article, policy: Policy) -> Article:
    """Record that `policy` implements `article` (it leaves the gap list)."""
    access.require(actor, MANAGE_POLICY, policy.org_unit)
    article.policies.add(policy)
    audit.record(action="article.map", actor=actor, obj=article, org_unit_id=policy.org_unit_id,
                 detail={"policy": policy.pk})
    return article


@transaction.atomic
def article_unmap(*, actor: Any, article: Article, policy: Policy) -> Article:
    access.require(actor, MANAGE_POLICY, policy.org_unit)
    article.policies.remove(policy)
    audit.record(action="article.unmap", actor=actor, obj=article, org_unit_id=policy.org_unit_id,
                 detail={"policy": policy.pk})
    return article


# --- internal audit -----------------------------------------------------------------------------


@transaction.atomic
def audit_plan_create(*, actor: Any, org_unit: OrgUnit, year: int, quarter: int, title: str) -> AuditPlan:
    if actor is not None:
        access.require(actor, MANAGE_AUDIT, org_unit)
    if quarter not in (1, 2, 3, 4):
        raise _invalid("quarter", _("A quarter is 1 to 4."))
    if AuditPlan.objects.filter(org_unit=org_unit, year=year, quarter=quarter).exists():
        raise _invalid("quarter", _("This unit already has an audit plan for that quarter."))
    plan = AuditPlan.objects.create(org_unit=org_unit, year=year, quarter=quarter, title=title)
    audit.record(action="audit_plan.create", actor=actor, obj=plan, changes=audit.snapshot(plan))
    return plan


def _quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end


@transaction.atomic
def engagement_create(*, actor: Any, plan: AuditPlan, org_unit: OrgUnit, title: str, lead: User,
                      starts_on: dt.date, processes: Iterable[Process] = ()) -> Engagement:
    access.require(actor, MANAGE_AUDIT, org_unit)
    if not org_unit.is_within(plan.org_unit):
        raise _invalid("org_unit", _("The audited unit must lie within the plan's unit."))
    start, end = _quarter_bounds(plan.year, plan.quarter)
    if not start <= starts_on < end:
        raise _invalid("starts_on", _("The engagement must start within the plan's quarter."))
    if not access.has_perm(lead, MANAGE_AUDIT, org_unit):
        raise _invalid("lead", _("The lead auditor must be an internal auditor for the audited unit."))
    processes = list(processes)
    for process in processes:
        if process.org_unit.institution_id != org_unit.institution_id:
            raise _invalid("processes", _("A process belongs to another institution."))
    engagement = Engagement.objects.create(plan=plan, org_unit=org_unit, title=title, lead=lead, starts_on=starts_on)
    engagement.processes.set(processes)
    audit.record(action="engagement.create", actor=actor, obj=engagement, changes=audit.snapshot(engagement))
    return engagement


@transaction.atomic
def engagement_start_fieldwork(*, actor: Any, engagement: Engagement) -> Engagement:
    access.require(actor, MANAGE_AUDIT, engagement.org_unit)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Engagement.Status.PLANNED:
        raise Conflict(_("Fieldwork has already started."))
    before = audit.snapshot(engagement)
    engagement.status = Engagement.Status.FIELDWORK
    engagement.save(update_fields=["status", "updated_at"])
    audit.record(action="engagement.fieldwork", actor=actor, obj=engagement,
                 changes=audit.diff(before, audit.snapshot(engagement)))
    return engagement


@transaction.atomic
def engagement_report(*, actor: Any, engagement: Engagement, reported_on: dt.date, conclusion: str) -> Engagement:
    """Issue the report: the engagement counts as the quarter's internal audit from `reported_on`."""
    access.require(actor, MANAGE_AUDIT, engagement.org_unit)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Engagement.Status.FIELDWORK:
        raise Conflict(_("Only an engagement in fieldwork can report."))
    if reported_on < engagement.starts_on:
        raise _invalid("reported_on", _("The report cannot precede the start of the engagement."))
    if reported_on > timezone.localdate():
        raise _invalid("reported_on", _("The report date cannot be in the future."))
    if not conclusion.strip():
        raise _invalid("conclusion", _("The report needs a conclusion."))
    before = audit.snapshot(engagement)
    engagement.status, engagement.reported_on, engagement.conclusion = (
        Engagement.Status.REPORTED, reported_on, conclusion)
    engagement.save(update_fields=["status", "reported_on", "conclusion", "updated_at"])
    audit.record(action="engagement.report", actor=actor, obj=engagement,
                 changes=audit.diff(before, audit.snapshot(engagement)))
    return engagement


@transaction.atomic
def finding_create(*, actor: Any, engagement: Engagement, title: str, severity: str, condition: str,
                   recommendation: str, owner: User, due: dt.date, criteria: str = "", cause: str = "",
                   effect: str = "") -> Finding:
    """Record a finding and open its corrective action in the framework's one loop."""
    from finassure.framework import services as framework_services

    access.require(actor, MANAGE_AUDIT, engagement.org_unit)
    engagement = Engagement.objects.select_for_update().select_related("org_unit").get(pk=engagement.pk)
    if engagement.status == Engagement.Status.PLANNED:
        raise Conflict(_("Findings are recorded once fieldwork has started."))
    if severity not in Finding.Severity.values:
        raise _invalid("severity", _("Unknown severity."))
    if owner.pk == actor.pk:
        raise _invalid("owner", _("The auditor cannot own the remedy of their own finding."))
    if owner.org_unit is None or not owner.org_unit.is_within(engagement.org_unit):
        raise _invalid("owner", _("The owner must work in the audited unit."))
    if due <= timezone.localdate():
        raise _invalid("due", _("The due date must lie in the future."))
    finding = Finding.objects.create(engagement=engagement, org_unit=engagement.org_unit, title=title,
                                     severity=severity, criteria=criteria, condition=condition, cause=cause,
                                     effect=effect, recommendation=recommendation, owner=owner, due=due)
    audit.record(action="finding.create", actor=actor, obj=finding, changes=audit.snapshot(finding))
    framework_services.corrective_action_open(
        actor=actor, source=finding, title=_("Remedy: %(title)s") % {"title": title},
        description=recommendation, owner=owner, due=due, org_unit=finding.org_unit,
    )
    return finding


@transaction.atomic
def policy_review_record(*, actor: Any, policy: Policy, reviewed_on: dt.date, outcome: str,
                         next_review: dt.date, note: str = "") -> PolicyReview:
    """The periodic review of a policy in force: its outcome and the next review date."""
    access.require(actor, APPROVE_POLICY, policy.org_unit)
    if policy.effective_version_id is None:
        raise Conflict(_("Only a policy in force is reviewed."))
    if outcome not in PolicyReview.Outcome.values:
        raise _invalid("outcome", _("Unknown review outcome."))
    if reviewed_on > timezone.localdate():
        raise _invalid("reviewed_on", _("The review date cannot be in the future."))
    if next_review <= reviewed_on:
        raise _invalid("next_review", _("The next review must come after this one."))
    review = PolicyReview.objects.create(policy=policy, reviewed_on=reviewed_on, reviewer=actor, outcome=outcome,
                                         next_review=next_review, note=note)
    before = audit.snapshot(policy)
    policy.review_due = next_review
    policy.save(update_fields=["review_due", "updated_at"])
    audit.record(action="policy.review", actor=actor, obj=policy,
                 changes=audit.diff(before, audit.snapshot(policy)),
                 detail={"outcome": outcome, "reviewed_on": reviewed_on, "note": note[:200]})
    return review


# --- risk register ------------------------------------------------------------------------------

RISK_FIELDS = ("title", "category", "description", "inherent_likelihood", "inherent_impact", "residual_likelihood",
               "residual_impact", "treatment", "owner", "review_due")


def _check_risk(values: dict[str, Any], unit: OrgUnit, controls: list[Control], policies: list[Policy]) -> None:
    for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"):
        if not 1 <= int(values[name]) <= RISK_SCALE:
            raise _invalid(name, _("Ratings run from 1 to %(n)s.") % {"n": RISK_SCALE})
    for part in ("likelihood", "impact"):
        if values[f"residual_{part}"] > values[f"inherent_{part}"]:
            raise _invalid(f"residual_{part}", _("The residual rating cannot exceed the inherent one."))
    if values["category"] not in Risk.Category.values:
        raise _invalid("category", _("Unknown risk category."))
    if values["treatment"] not in Risk.Treatment.values:
        raise _invalid("treatment", _("Unknown treatment."))
    owner = values["owner"]
    if owner.org_unit is None or owner.org_unit.institution_id != unit.institution_id or not owner.is_active:
        raise _invalid("owner", _("The risk owner must be active staff of the institution."))
    if not access.has_perm(owner, VIEW_RISK, unit):
        raise _invalid("owner", _("The risk owner must be able to see the risk register of this unit."))
    for item_unit in [*(c.org_unit for c in controls), *(p.org_unit for p in policies)]:
        if item_unit.institution_id != unit.institution_id:
            raise _invalid("controls", _("A control or policy belongs to another institution."))


@transaction.atomic
def risk_create(*, actor: Any, org_unit: OrgUnit, controls: Iterable[Control] = (), policies: Iterable[Policy] = (),
                **values: Any) -> Risk:
    """Register a risk. `values` are the fields of RISK_FIELDS."""
    access.require(actor, MANAGE_RISK, org_unit)
    controls, policies = list(controls), list(policies)
    values = {name: values.get(name) for name in RISK_FIELDS}
    values["description"] = values["description"] or ""
    _check_risk(values, org_unit, controls, policies)
    risk = Risk.objects.create(org_unit=org_unit, **values)
    risk.controls.set(controls)
    risk.policies.set(policies)
    audit.record(action="risk.create", actor=actor, obj=risk, changes=audit.snapshot(risk))
    return risk


@transaction.atomic
def risk_update(*, actor: Any, risk: Risk, controls: Iterable[Control] = (), policies: Iterable[Policy] = (),
                **values: Any) -> Risk:
    """Change a risk; any change of substance lapses the owner's acceptance."""
    access.require(actor, MANAGE_RISK, risk.org_unit)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    controls, policies = list(controls), list(policies)
    values = {name: values.get(name, getattr(risk, name)) for name in RISK_FIELDS}
    values["description"] = values["description"] or ""
    _check_risk(values, risk.org_unit, controls, policies)
    before = {**audit.snapshot(risk), "controls": sorted(risk.controls.values_list("pk", flat=True)),
              "policies": sorted(risk.policies.values_list("pk", flat=True))}
    for name, value in values.items():
        setattr(risk, name, value)
    after = {**audit.snapshot(risk), "controls": sorted(c.pk for c in controls),
             "policies": sorted(p.pk for p in policies)}
    changes = audit.diff(before, after)
    if changes and risk.accepted_at is not None:
        risk.accepted_by, risk.accepted_at, risk.acceptance_note = None, None, ""
        changes = audit.diff(before, {**after, **audit.snapshot(risk, ["accepted_by", "accepted_at",
                                                                        "acceptance_note"])})
    risk.save()
    risk.controls.set(controls)
    risk.policies.set(policies)
    audit.record(action="risk.update", actor=actor, obj=risk, changes=changes)
    return risk


@transaction.atomic
def risk_accept(*, actor: Any, risk: Risk, note: str) -> Risk:
    """The risk owner accepts the residual risk as assessed, with the decision recorded."""
    access.require(actor, VIEW_RISK, risk.org_unit)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if risk.owner_id != actor.pk:
        raise PermissionDenied(_("Only the risk owner can accept the risk."))
    if not note.strip():
        raise _invalid("note", _("Record the decision."))
    before = audit.snapshot(risk)
    risk.accepted_by, risk.accepted_at, risk.acceptance_note = actor, timezone.now(), note
    risk.save(update_fields=["accepted_by", "accepted_at", "acceptance_note", "updated_at"])
    audit.record(action="risk.accept", actor=actor, obj=risk, changes=audit.diff(before, audit.snapshot(risk)))
    return risk


@transaction.atomic
def control_create(*, actor: Any, org_unit: OrgUnit, code: str, name: str, owner: User, frequency: str,
                   description: str = "", processes: Iterable[Process] = ()) -> Control:
    access.require(actor, MANAGE_RISK, org_unit)
    if Control.objects.filter(org_unit=org_unit, code=code).exists():
        raise _invalid("code", _("This unit already has a control with this code."))
    if frequency not in Control.Frequency.values:
        raise _invalid("frequency", _("Unknown frequency."))
    processes = list(processes)
    control = Control.objects.create(org_unit=org_unit, code=code, name=name, owner=owner, frequency=frequency,
                                     description=description)
    control.processes.set(processes)
    audit.record(action="control.create", actor=actor, obj=control, changes=audit.snapshot(control))
    return control


@transaction.atomic
def kri_create(*, actor: Any, risk: Risk, name: str, warning: Decimal, limit: Decimal, unit: str = "",
               higher_is_worse: bool = True) -> KeyRiskIndicator:
    access.require(actor, MANAGE_RISK, risk.org_unit)
    if (higher_is_worse and warning > limit) or (not higher_is_worse and warning < limit):
        raise _invalid("warning", _("The warning threshold must come before the limit."))
    kri = KeyRiskIndicator.objects.create(risk=risk, org_unit=risk.org_unit, name=name, unit=unit,
                                          higher_is_worse=higher_is_worse, warning=warning, limit=limit)
    audit.record(action="kri.create", actor=actor, obj=kri, changes=audit.snapshot(kri))
    return kri


def kri_status(kri: KeyRiskIndicator, value: Decimal) -> str:
    sign = 1 if kri.higher_is_worse else -1
    if sign * value > sign * kri.limit:
        return KriValue.Status.BREACH
    if sign * value >= sign * kri.warning:
        return KriValue.Status.WARNING
    return KriValue.Status.NORMAL


@transaction.atomic
def kri_record_value(*, actor: Any, kri: KeyRiskIndicator, measured_on: dt.date, value: Decimal) -> KriValue:
    """Record a value; one beyond the limit opens a corrective action for the risk owner."""
    from finassure.framework import services as framework_services

    access.require(actor, MANAGE_RISK, kri.org_unit)
    if measured_on > timezone.localdate():
        raise _invalid("measured_on", _("A value cannot be measured in the future."))
    if KriValue.objects.filter(kri=kri, measured_on=measured_on).exists():
        raise _invalid("measured_on", _("This indicator already has a value for that day."))
    entry = KriValue.objects.create(kri=kri, org_unit=kri.org_unit, measured_on=measured_on, value=value,
                                    status=kri_status(kri, value), recorded_by=actor)
    audit.record(action="kri.value", actor=actor, obj=entry, changes=audit.snapshot(entry))
    if entry.status == KriValue.Status.BREACH:
        risk = kri.risk
        framework_services.corrective_action_open(
            actor=actor, source=entry, owner=risk.owner, org_unit=kri.org_unit,
            due=timezone.localdate() + dt.timedelta(days=30),
            title=_("KRI breach: %(kri)s = %(value)s (limit %(limit)s)") % {
                "kri": kri.name, "value": value, "limit": kri.limit},
            description=_("Risk: %(risk)s") % {"risk": risk.title},
        )
    return entry


# --- periodic duties ----------------------------------------------------------------------------


@transaction.atomic
def audit_plans_generate(*, actor: Any = None, today: dt.date | None = None) -> list[AuditPlan]:
    """The quarterly internal-audit obligation: each institution's head office gets the plan of the current
    quarter if it has none yet (auditors then add the engagements)."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    created = []
    for root in OrgUnit.objects.filter(parent__isnull=True, is_active=True):
        if not AuditPlan.objects.filter(org_unit=root, year=today.year, quarter=quarter).exists():
            created.append(audit_plan_create(actor=actor, org_unit=root, year=today.year, quarter=quarter,
                                             title=_("Internal audit plan %(year)sQ%(quarter)s") % {
                                                 "year": today.year, "quarter": quarter}))
    return created


REMINDER_DAYS = 30


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: policies due for review (to the author of the version in force) and attestations unread for a
    week (to the member of staff); each recipient is reminded of one thing at most once a day."""
    from finassure.framework import notify
    from finassure.framework.models import Notification

    today = today or timezone.localdate()
    start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    counts = {"policy_review": 0, "attestation": 0}

    def once(recipient: Any, kind: str, title: str, url: str) -> bool:
        if Notification.objects.filter(recipient=recipient, url=url, created_at__gte=start_of_day).exists():
            return False
        return notify.send(recipient=recipient, kind=kind, title=title, url=url) is not None

    due = (Policy.objects.filter(effective_version__isnull=False, is_retired=False,
                                 review_due__lte=today + dt.timedelta(days=REMINDER_DAYS))
           .select_related("effective_version__author"))
    for policy in due:
        assert policy.effective_version is not None
        overdue = policy.review_due is not None and policy.review_due < today
        title = (_("Policy review overdue: %(policy)s (due %(due)s)") if overdue
                 else _("Policy review due: %(policy)s (due %(due)s)")) % {"policy": policy, "due": policy.review_due}
        kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.DUE_SOON
        counts["policy_review"] += once(policy.effective_version.author, kind, title, policy.get_absolute_url())
    week_ago = timezone.now() - dt.timedelta(days=7)
    pending = (Attestation.objects.filter(confirmed_at__isnull=True, created_at__lt=week_ago,
                                          version__status=Status.EFFECTIVE)
               .select_related("user", "version__policy"))
    for attestation in pending:
        url = reverse("governance:attestation_read", args=[attestation.pk])
        title = _("Please read and confirm: %(policy)s") % {"policy": attestation.version.policy}
        counts["attestation"] += once(attestation.user, Notification.Kind.DUE_SOON, title, url)
    return counts


# --- register import ----------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "是", "x", "✓"}


@transaction.atomic
def process_import(*, actor: Any, content: bytes) -> dict[str, int]:
    """Import the process register from Excel (the layout the list exports): rows with a known business line
    and code update that process, others create one. Any row error refuses the whole file, naming the rows."""
    from finassure.governance.registers import PROCESS_COLUMNS, read_rows

    access.require(actor, MANAGE_POLICY)
    errors: dict[str, list[str]] = {}
    counts = {"created": 0, "updated": 0}
    institution_ids = set(OrgUnit.objects.filter(access.scope_for(actor, MANAGE_POLICY).q(""))
                          .values_list("institution_id", flat=True))
    for number, (line_code, code, name, name_en, unit_code, active) in read_rows(content, PROCESS_COLUMNS):
        key = _("row %(n)s") % {"n": number}
        line = BusinessLine.objects.filter(institution_id__in=institution_ids, code=str(line_code or "")).first()
        unit = OrgUnit.objects.filter(institution_id__in=institution_ids, code=str(unit_code or "")).first()
        problems = []
        if line is None:
            problems.append(_("unknown business line “%(code)s”") % {"code": line_code})
        if unit is None:
            problems.append(_("unknown org unit “%(code)s”") % {"code": unit_code})
        elif not access.has_perm(actor, MANAGE_POLICY, unit):
            problems.append(_("you may not manage processes of “%(unit)s”") % {"unit": unit})
        if not code or not str(code).replace("-", "").replace("_", "").isalnum():
            problems.append(_("the code must be letters, digits, - or _"))
        if not name:
            problems.append(_("the Chinese name is missing"))
        if problems:
            errors[key] = problems
            continue
        assert line is not None and unit is not None
        process = Process.objects.filter(business_line=line, code=str(code)).first()
        if process is None:
            process_create(actor=actor, org_unit=unit, business_line=line, code=str(code), name=str(name),
                           name_en=str(name_en or ""))
            counts["created"] += 1
        elif (process.name, process.name_en, process.is_active) != (str(name), str(name_en or ""), _truthy(active)):
            process_update(actor=actor, process=process, name=str(name), name_en=str(name_en or ""),
                           description=process.description, is_active=_truthy(active))
            counts["updated"] += 1
    if errors:  # raising rolls back the rows already written
        raise ValidationFailed(_("The file has errors; nothing was imported."), fields=errors)
    return counts


@transaction.atomic
def control_test_record(*, actor: Any, control: Control, tested_on: dt.date, result: str,
                        evidence: str) -> ControlTest:
    """Record a control test; the owner of the control is not its tester. A deficient result opens a
    corrective action for the control's owner."""
    from finassure.framework import services as framework_services

    if not (access.has_perm(actor, MANAGE_RISK, control.org_unit) or access.has_perm(actor, MANAGE_AUDIT,
                                                                                        control.org_unit)):
        raise PermissionDenied(_("Only risk managers and internal auditors test controls."))
    if control.owner_id == actor.pk:
        raise PermissionDenied(_("The owner of a control cannot test it."))
    if result not in ControlTest.Result.values:
        raise _invalid("result", _("Unknown result."))
    if tested_on > timezone.localdate():
        raise _invalid("tested_on", _("A test cannot be dated in the future."))
    if not evidence.strip():
        raise _invalid("evidence", _("Describe the evidence examined."))
    test = ControlTest.objects.create(control=control, org_unit=control.org_unit, tested_on=tested_on, tester=actor,
                                      result=result, evidence=evidence)
    audit.record(action="control_test.record", actor=actor, obj=test, changes=audit.snapshot(test))
    if result == ControlTest.Result.DEFICIENT:
        framework_services.corrective_action_open(
            actor=actor, source=test, owner=control.owner, org_unit=control.org_unit,
            due=timezone.localdate() + dt.timedelta(days=30),
            title=_("Deficient control: %(control)s") % {"control": control.name}, description=evidence)
    return test
