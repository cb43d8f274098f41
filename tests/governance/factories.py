"""Governance records for tests, made directly (no permission checks) in a known state."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finassure.accounts.models import BusinessLine, OrgUnit, User
from finassure.governance.models import (
    PRODUCT_CHECKLISTS,
    Attestation,
    AuditPlan,
    Control,
    Engagement,
    KeyRiskIndicator,
    Policy,
    PolicyVersion,
    Position,
    Process,
    Product,
    ProductReview,
    Risk,
)

_seq = itertools.count(1)


def line(unit: OrgUnit, kind: str = "banking") -> BusinessLine:
    found, _ = BusinessLine.objects.get_or_create(institution=unit.institution, code=kind,
                                                  defaults={"kind": kind, "name": kind})
    return found


def make_process(unit: OrgUnit, code: str | None = None, kind: str = "banking", **kwargs: Any) -> Process:
    n = next(_seq)
    return Process.objects.create(org_unit=unit, business_line=line(unit, kind), code=code or f"p{n}",
                                  name=kwargs.pop("name", f"流程{n}"), **kwargs)


def make_author(unit: OrgUnit) -> User:
    return User.objects.create(username=f"author{next(_seq)}", org_unit=unit)


def make_policy(unit: OrgUnit, *, status: str = "effective", author: User | None = None,
                processes: list[Process] | None = None, positions: list[Position] | None = None,
                effective_from: dt.date | None = None, body: str = "第一条 总则。\n第二条 职责。",
                reviewer: User | None = None) -> Policy:
    """A policy whose one version is in `status` (effective versions took effect on `effective_from`)."""
    n = next(_seq)
    policy = Policy.objects.create(org_unit=unit, code=f"ZD-{n:04d}", title=f"制度{n}", kind=Policy.Kind.RULES)
    policy.processes.set(processes or [])
    policy.positions.set(positions or [])
    author = author or make_author(unit)
    version = PolicyVersion.objects.create(policy=policy, number=1, body=body, author=author, status=status,
                                           reviewer=reviewer)
    if status in {"approved", "effective"}:
        version.reviewer = reviewer or make_author(unit)
        version.approver = version.reviewer
        version.reviewed_at = version.approved_at = timezone.now()
    if status == "effective":
        version.effective_from = effective_from or timezone.localdate() - dt.timedelta(days=30)
        policy.effective_version = version
        policy.save()
    version.save()
    return policy


def make_position(unit: OrgUnit, holders: list[User] | None = None, code: str | None = None) -> Position:
    n = next(_seq)
    position = Position.objects.create(org_unit=unit, code=code or f"pos{n}", name=f"岗位{n}")
    position.holders.set(holders or [])
    return position


def make_attestation(user: User, unit: OrgUnit | None = None) -> Attestation:
    policy = make_policy(unit or user.org_unit)
    assert policy.effective_version is not None
    return Attestation.objects.create(version=policy.effective_version, user=user, org_unit=user.org_unit)


def make_engagement(unit: OrgUnit, *, lead: User | None = None, status: str = "planned",
                    reported_on: dt.date | None = None, starts_on: dt.date | None = None) -> Engagement:
    starts_on = starts_on or timezone.localdate()
    quarter = (starts_on.month - 1) // 3 + 1
    plan, _ = AuditPlan.objects.get_or_create(org_unit=unit, year=starts_on.year, quarter=quarter,
                                              defaults={"title": "季度内审计划"})
    return Engagement.objects.create(plan=plan, org_unit=unit, title=f"内部审计{next(_seq)}",
                                     lead=lead or make_author(unit), status=status, starts_on=starts_on,
                                     reported_on=reported_on)


def make_risk(unit: OrgUnit, *, owner: User | None = None, inherent: tuple[int, int] = (4, 4),
              residual: tuple[int, int] = (2, 3), category: str = "operational") -> Risk:
    return Risk.objects.create(org_unit=unit, title=f"风险{next(_seq)}", category=category,
                               inherent_likelihood=inherent[0], inherent_impact=inherent[1],
                               residual_likelihood=residual[0], residual_impact=residual[1], treatment="mitigate",
                               owner=owner or make_author(unit))


def make_kri(risk: Risk, warning: str = "5", limit: str = "8", higher_is_worse: bool = True) -> KeyRiskIndicator:
    return KeyRiskIndicator.objects.create(risk=risk, org_unit=risk.org_unit, name=f"指标{next(_seq)}",
                                           warning=Decimal(warning), limit=Decimal(limit),
                                           higher_is_worse=higher_is_worse)


def make_control(unit: OrgUnit, owner: User | None = None) -> Control:
    n = next(_seq)
    return Control.objects.create(org_unit=unit, code=f"c{n}", name=f"控制{n}", owner=owner or make_author(unit),
                                  frequency="daily")


def make_product(unit: OrgUnit, *, status: str = "draft", proposer: User | None = None,
                 reviews: bool = False, product_line: str = "wealth_management") -> Product:
    """A product in `status`; with `reviews`, the three reviews of its round passed, each by its own person."""
    n = next(_seq)
    product = Product.objects.create(org_unit=unit, code=f"prd{n}", name=f"产品{n}", product_line=product_line,
                                     proposer=proposer or make_author(unit), status=status)
    if reviews:
        for kind, items in PRODUCT_CHECKLISTS.items():
            ProductReview.objects.create(product=product, round=product.round, kind=kind, reviewer=make_author(unit),
                                         checklist={key: True for key, _label in items}, result="pass")
    if status in {"approved", "launched"}:
        product.approver = make_author(unit)
        product.decided_at = timezone.now() - dt.timedelta(days=10)
        product.post_launch_review_due = timezone.localdate() + dt.timedelta(days=90)
        if status == "launched":
            product.launched_on = timezone.localdate() - dt.timedelta(days=5)
        product.save()
    return product
