"""Configuration writes: complaint categories, the FAQ knowledge base, classifier retraining."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.platform import audit
from finassure.platform.errors import ValidationFailed
from finassure.service import perms
from finassure.service.models import (
    Complaint,
    ComplaintCategory,
    ProductLine,
    SlaBasis,
)
from finassure.service.services._common import (
    Status,
    _invalid,
)


@transaction.atomic
def category_save(
    *,
    actor: Any,
    code: str,
    name: str,
    name_en: str = "",
    sla_hours: int = 48,
    is_active: bool = True,
    category: ComplaintCategory | None = None,
    sla_basis: str = "natural",
) -> ComplaintCategory:
    access.require(actor, perms.CONFIGURE)
    code = (code or "").strip().lower()
    if not code or not name.strip():
        raise ValidationFailed(
            _("A code and a name are required."),
            fields={k: [_("Required.")] for k, v in {"code": code, "name": name.strip()}.items() if not v},
        )
    if sla_hours < 1 or sla_hours > 24 * 60:
        raise _invalid("sla_hours", _("The internal SLA must be between 1 hour and 60 days."))
    if sla_basis not in SlaBasis.values:
        raise _invalid("sla_basis", _("Choose natural hours or business hours."))
    clash = ComplaintCategory.objects.filter(code=code)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise _invalid("code", _("A category with this code already exists."))
    target = category or ComplaintCategory()
    before = audit.snapshot(target) if category else {}
    target.code, target.name, target.name_en = code, name.strip(), name_en.strip()
    target.sla_hours, target.is_active, target.sla_basis = sla_hours, is_active, sla_basis
    target.save()
    audit.record(
        action="complaint_category.update" if category else "complaint_category.create",
        actor=actor,
        obj=target,
        changes=audit.diff(before, audit.snapshot(target)),
    )
    return target


def ensure_default_categories() -> None:
    from finassure.service.models import DEFAULT_CATEGORIES

    for code, name, name_en, order in DEFAULT_CATEGORIES:
        ComplaintCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )


@transaction.atomic
def faq_save(
    *,
    actor: Any,
    question: str,
    answer: str,
    product_line: str = ProductLine.OTHER,
    question_en: str = "",
    answer_en: str = "",
    is_published: bool = True,
    article: Any = None,
) -> Any:
    from finassure.service.models import FaqArticle

    access.require(actor, perms.CONFIGURE)
    errors = {
        k: [_("Required.")]
        for k, v in {"question": question, "answer": answer}.items()
        if not (v or "").strip()
    }
    if product_line not in ProductLine.values:
        errors["product_line"] = [_("Unknown product line.")]
    if errors:
        raise ValidationFailed(_("The article has invalid or missing values."), fields=errors)
    target = article or FaqArticle()
    before = audit.snapshot(target) if article else {}
    target.question, target.answer = question.strip(), answer.strip()
    target.question_en, target.answer_en = (question_en or "").strip(), (answer_en or "").strip()
    target.product_line, target.is_published = product_line, is_published
    target.save()
    audit.record(
        action="faq.update" if article else "faq.create",
        actor=actor,
        obj=target,
        changes=audit.diff(before, audit.snapshot(target)),
    )
    return target


def faq_vote(*, article: Any, helpful: bool) -> None:
    """A portal reader's rating of an article (anonymous, throttled by the view)."""
    from django.db.models import F

    from finassure.service.models import FaqArticle

    column = "helpful" if helpful else "not_helpful"
    FaqArticle.objects.filter(pk=article.pk).update(**{column: F(column) + 1})


def classifier_retrain(*, actor: Any) -> Any:
    """Retrain on the seed corpus plus the institution's confirmed complaints; cross-validated accuracy kept."""
    from finassure.service import classifier

    if actor is not None:
        access.require(actor, perms.CONFIGURE)
    seed = classifier.seed_examples()
    confirmed = [
        classifier.Example(f"{c['subject']} {c['text']}", c["category__code"], c["product_line"])
        for c in Complaint.objects.filter(
            category__isnull=False, kind=Complaint.Kind.COMPLAINT, status__in=[Status.DECIDED, Status.CLOSED]
        )
        .values("subject", "text", "category__code", "product_line")
        .order_by("-id")[:50_000]
    ]
    model = classifier.train(seed + confirmed, seed_count=len(seed))
    classifier.save(model)
    audit.record(
        action="classifier.retrain",
        actor=actor,
        actor_repr="" if actor else "system",
        detail={"examples": model.examples, "confirmed": len(confirmed), "accuracy": model.accuracy},
    )
    return model
