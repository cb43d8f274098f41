"""Writes of policies and their versions (draft → review → approved → effective), periodic reviews, attestation and the article mapping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.governance.models import (
    Article,
    Attestation,
    Policy,
    PolicyReview,
    PolicyVersion,
    Position,
    Process,
)
from finassure.governance.permissions import (
    APPROVE_POLICY,
    MANAGE_POLICY,
    VIEW_POLICY,
)
from finassure.governance.services._common import Status, _invalid
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied


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
