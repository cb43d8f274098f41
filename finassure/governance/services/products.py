"""Writes of new products and material changes (产品设计): proposal, the three pre-launch reviews (risk assessment,
compliance, consumer protection — each by its own reviewer, none the proposer), the launch decision by yet another
person with its conditions (each a corrective action of the framework), launch and the post-launch review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.governance.models import (
    PRODUCT_CHECKLISTS,
    Policy,
    Process,
    Product,
    ProductCondition,
    ProductReview,
    Risk,
)
from finassure.governance.permissions import (
    APPROVE_PRODUCT,
    MANAGE_PRODUCT,
    PRODUCT_REVIEW_PERMS,
    REVIEW_PRODUCT,
)
from finassure.governance.services._common import _invalid
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied
from finassure.platform.language import lazy_text, record_text
from finassure.service.models import ProductLine

PStatus = Product.Status
PRODUCT_FIELDS = ("name", "kind", "product_line", "description")


@dataclass(frozen=True)
class Condition:
    """A condition of an approval: what must be done, by whom, by when."""

    text: str
    owner: User
    due: dt.date


def _check_links(unit: OrgUnit, processes: list[Process], policies: list[Policy], risks: list[Risk]) -> None:
    linked: list[Process | Policy | Risk] = [*processes, *policies, *risks]
    for item in linked:
        if item.org_unit.institution_id != unit.institution_id:
            raise _invalid("processes", _("A linked process, policy or risk belongs to another institution."))


def _check_values(values: dict[str, Any]) -> None:
    if not str(values.get("name") or "").strip():
        raise _invalid("name", _("The product needs a name."))
    if values.get("kind") not in Product.Kind.values:
        raise _invalid("kind", _("Unknown product type."))
    if values.get("product_line") not in ProductLine.values:
        raise _invalid("product_line", _("Unknown product line."))


def _links_snapshot(product: Product) -> dict[str, list[int]]:
    return {name: sorted(getattr(product, name).values_list("pk", flat=True))
            for name in ("processes", "policies", "risks")}


@transaction.atomic
def product_create(*, actor: Any, org_unit: OrgUnit, code: str, name: str, kind: str, product_line: str,
                   description: str = "", processes: Iterable[Process] = (), policies: Iterable[Policy] = (),
                   risks: Iterable[Risk] = ()) -> Product:
    """Propose a new product or material change; the actor is its proposer."""
    access.require(actor, MANAGE_PRODUCT, org_unit)
    processes, policies, risks = list(processes), list(policies), list(risks)
    if not code or Product.objects.filter(org_unit=org_unit, code=code).exists():
        raise _invalid("code", _("This unit already has a product with this code."))
    _check_values({"name": name, "kind": kind, "product_line": product_line})
    _check_links(org_unit, processes, policies, risks)
    product = Product.objects.create(org_unit=org_unit, code=code, name=name.strip(), kind=kind,
                                     product_line=product_line, description=description or "", proposer=actor)
    product.processes.set(processes)
    product.policies.set(policies)
    product.risks.set(risks)
    audit.record(action="product.create", actor=actor, obj=product,
                 changes={**audit.snapshot(product), **_links_snapshot(product)})
    return product


@transaction.atomic
def product_update(*, actor: Any, product: Product, processes: Iterable[Process] = (),
                   policies: Iterable[Policy] = (), risks: Iterable[Risk] = (), **values: Any) -> Product:
    """Change a proposal; only while it is a draft (a submitted one is frozen for its reviewers)."""
    access.require(actor, MANAGE_PRODUCT, product.org_unit)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status != PStatus.DRAFT:
        raise Conflict(_("Only a draft product can be changed."))
    values = {name: values.get(name, getattr(product, name)) for name in PRODUCT_FIELDS}
    values["description"] = values["description"] or ""
    _check_values(values)
    processes, policies, risks = list(processes), list(policies), list(risks)
    _check_links(product.org_unit, processes, policies, risks)
    before = {**audit.snapshot(product), **_links_snapshot(product)}
    for name, value in values.items():
        setattr(product, name, value)
    product.save()
    product.processes.set(processes)
    product.policies.set(policies)
    product.risks.set(risks)
    changes = audit.diff(before, {**audit.snapshot(product), **_links_snapshot(product)})
    if changes:
        audit.record(action="product.update", actor=actor, obj=product, changes=changes)
    return product


def _locked(product: Product) -> Product:
    return Product.objects.select_for_update().select_related("org_unit").get(pk=product.pk)


def _step(product: Product, actor: Any, verb: str, before: dict[str, Any], **detail: Any) -> None:
    audit.record(action=f"product.{verb}", actor=actor, obj=product,
                 changes=audit.diff(before, audit.snapshot(product)), detail=detail or None)


@transaction.atomic
def product_submit(*, actor: Any, product: Product) -> Product:
    """Send a draft to its three pre-launch reviews."""
    access.require(actor, MANAGE_PRODUCT, product.org_unit)
    product = _locked(product)
    if product.status != PStatus.DRAFT:
        raise Conflict(_("Only a draft product can be sent for review."))
    before = audit.snapshot(product)
    product.status, product.submitted_at = PStatus.REVIEW, timezone.now()
    product.save(update_fields=["status", "submitted_at", "updated_at"])
    _step(product, actor, "submit", before)
    return product


def current_reviews(product: Product) -> dict[str, ProductReview]:
    return {r.kind: r for r in product.reviews.filter(round=product.round).select_related("reviewer")}


@transaction.atomic
def product_review_record(*, actor: Any, product: Product, kind: str, checklist: dict[str, bool], result: str,
                          comment: str = "") -> ProductReview:
    """One of the three pre-launch reviews. Refused to the proposer and to anyone who already reviewed this round;
    a pass needs every checklist item satisfactory; a failed review sends the product back to draft (a new round)."""
    if kind not in ProductReview.Kind.values:
        raise _invalid("kind", _("Unknown review."))
    access.require(actor, REVIEW_PRODUCT, product.org_unit)
    access.require(actor, PRODUCT_REVIEW_PERMS[kind], product.org_unit)
    product = _locked(product)
    if product.status != PStatus.REVIEW:
        raise Conflict(_("This product is not in review."))
    if product.proposer_id == actor.pk:
        raise PermissionDenied(_("You cannot review a product you proposed."))
    done = current_reviews(product)
    if kind in done:
        raise Conflict(_("This review has already been recorded for the current round."))
    if any(r.reviewer_id == actor.pk for r in done.values()):
        raise PermissionDenied(_("Each review needs its own reviewer: you already reviewed this product."))
    items = [key for key, _label in PRODUCT_CHECKLISTS[kind]]
    missing = [key for key in items if key not in checklist]
    if missing or set(checklist) - set(items):
        raise _invalid("checklist", _("Answer every item of the checklist, and only those."))
    if result not in ProductReview.Result.values:
        raise _invalid("result", _("Unknown result."))
    if result == ProductReview.Result.PASS and not all(checklist[key] for key in items):
        raise _invalid("result", _("A review with an unsatisfactory item cannot pass."))
    if result == ProductReview.Result.FAIL and not comment.strip():
        raise _invalid("comment", _("Say what must change."))
    review = ProductReview.objects.create(product=product, round=product.round, kind=kind, reviewer=actor,
                                          checklist={key: bool(checklist[key]) for key in items}, result=result,
                                          comment=comment)
    audit.record(action="product_review.record", actor=actor, obj=review, org_unit_id=product.org_unit_id,
                 changes=audit.snapshot(review))
    if result == ProductReview.Result.FAIL:
        before = audit.snapshot(product)
        product.status, product.round = PStatus.DRAFT, product.round + 1
        product.save(update_fields=["status", "round", "updated_at"])
        _step(product, actor, "return", before, review=review.pk)
    return review


@transaction.atomic
def product_decide(*, actor: Any, product: Product, approve: bool, note: str,
                   post_launch_review_due: dt.date | None = None,
                   conditions: Sequence[Condition] = ()) -> Product:
    """The launch decision, once all three reviews of the round passed, by someone who is neither the proposer nor
    one of its reviewers. An approval schedules the post-launch review; each condition becomes a corrective action
    of the framework for its owner."""
    from finassure.framework import notify
    from finassure.framework import services as framework_services
    from finassure.framework.models import Notification

    access.require(actor, APPROVE_PRODUCT, product.org_unit)
    product = _locked(product)
    if product.status != PStatus.REVIEW:
        raise Conflict(_("This product is not in review."))
    if product.proposer_id == actor.pk:
        raise PermissionDenied(_("You cannot approve a product you proposed."))
    reviews = current_reviews(product)
    if any(r.reviewer_id == actor.pk for r in reviews.values()):
        raise PermissionDenied(_("A reviewer of this product cannot also decide on it."))
    if set(reviews) != set(ProductReview.Kind.values):
        raise Conflict(_("The risk, compliance and consumer-protection reviews must all be recorded first."))
    if not note.strip():
        raise _invalid("note", _("Record the reasons for the decision."))
    today = timezone.localdate()
    if approve:
        if post_launch_review_due is None or post_launch_review_due <= today:
            raise _invalid("post_launch_review_due", _("Schedule the post-launch review for a future date."))
        for condition in conditions:
            if not condition.text.strip():
                raise _invalid("conditions", _("A condition needs a text."))
            if condition.due <= today:
                raise _invalid("conditions", _("A condition must be due in the future."))
            if (condition.owner.org_unit is None or not condition.owner.is_active
                    or condition.owner.org_unit.institution_id != product.org_unit.institution_id):
                raise _invalid("conditions", _("A condition's owner must be active staff of the institution."))
    elif conditions:
        raise _invalid("conditions", _("Conditions belong to an approval."))
    before = audit.snapshot(product)
    product.status = PStatus.APPROVED if approve else PStatus.REJECTED
    product.approver, product.decided_at, product.decision_note = actor, timezone.now(), note
    product.post_launch_review_due = post_launch_review_due if approve else None
    product.save()
    _step(product, actor, "approve" if approve else "reject", before)
    for condition in conditions:
        entry = ProductCondition.objects.create(product=product, text=condition.text.strip(), owner=condition.owner,
                                                due=condition.due)
        audit.record(action="product_condition.create", actor=actor, obj=entry, org_unit_id=product.org_unit_id,
                     changes=audit.snapshot(entry))
        framework_services.corrective_action_open(
            actor=actor, source=entry, owner=condition.owner, due=condition.due, org_unit=product.org_unit,
            title=record_text(gettext_lazy("Product approval condition: %(text)s"), {"text": entry.text}),
            description=record_text(gettext_lazy("Product: %(product)s"), {"product": product}))
    notify.send(recipient=product.proposer, kind=Notification.Kind.ASSIGNED,
                title=lazy_text(gettext_lazy("Product approved: %(product)s") if approve
                                else gettext_lazy("Product rejected: %(product)s"), {"product": product}),
                url=product.get_absolute_url())
    return product


@transaction.atomic
def product_launch(*, actor: Any, product: Product, launched_on: dt.date) -> Product:
    access.require(actor, MANAGE_PRODUCT, product.org_unit)
    product = _locked(product)
    if product.status != PStatus.APPROVED:
        raise Conflict(_("Only an approved product can be launched."))
    if launched_on > timezone.localdate():
        raise _invalid("launched_on", _("The launch date cannot be in the future."))
    if product.decided_at is not None and launched_on < timezone.localtime(product.decided_at).date():
        raise _invalid("launched_on", _("A product cannot launch before it was approved."))
    if product.post_launch_review_due is not None and product.post_launch_review_due <= launched_on:
        raise _invalid("launched_on", _("The post-launch review must come after the launch."))
    before = audit.snapshot(product)
    product.status, product.launched_on = PStatus.LAUNCHED, launched_on
    product.save(update_fields=["status", "launched_on", "updated_at"])
    _step(product, actor, "launch", before)
    return product


@transaction.atomic
def product_post_launch_review(*, actor: Any, product: Product, held_on: dt.date, note: str) -> Product:
    """The scheduled review after launch (how it sells, complaints, whether the conditions were met)."""
    access.require(actor, APPROVE_PRODUCT, product.org_unit)
    product = _locked(product)
    if product.status != PStatus.LAUNCHED:
        raise Conflict(_("Only a launched product has a post-launch review."))
    if product.post_launch_reviewed_on is not None:
        raise Conflict(_("The post-launch review has already been held."))
    if product.proposer_id == actor.pk:
        raise PermissionDenied(_("You cannot review a product you proposed."))
    if held_on > timezone.localdate() or (product.launched_on and held_on < product.launched_on):
        raise _invalid("held_on", _("The review is held between the launch and today."))
    if not note.strip():
        raise _invalid("note", _("Record the conclusions of the review."))
    before = audit.snapshot(product)
    product.post_launch_reviewed_on, product.post_launch_review_note = held_on, note
    product.save(update_fields=["post_launch_reviewed_on", "post_launch_review_note", "updated_at"])
    _step(product, actor, "post_launch_review", before)
    return product
