"""Complaint classification (jieba + scikit-learn): suggestions with confidence, retraining, a person confirms;
and key rotation of complainants' data."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.db import connection

from finassure.accounts.roles import Role
from finassure.platform.errors import PermissionDenied
from finassure.platform.models import AuditEvent
from finassure.service import classifier, selectors, services
from finassure.service.models import Complaint, ComplaintCategory
from tests.service.factories import PHONE, make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_model(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    classifier.reset()
    yield
    classifier.reset()


@pytest.mark.parametrize(("text", "category", "product"), [
    ("我的信用卡昨晚在境外被盗刷了三笔", "fraud", "credit_card"),
    ("保险公司拒绝理赔我的住院费用", "claims", "insurance_claim"),
    ("网点柜员办理存款时服务态度很差还骂人", "service-attitude", "deposit"),
    ("理财经理说保本，结果亏损了", "sales-misconduct", "wealth_management"),
])
def test_the_seed_model_suggests_category_and_product_line(db: Any, text: str, category: str, product: str) -> None:
    hint = classifier.current().suggest(text)
    assert (hint.category, hint.product_line) == (category, product)
    assert 0 < hint.category_confidence <= 1


def test_the_seed_corpus_cross_validates_well_above_chance() -> None:
    seed = classifier.seed_examples()
    model = classifier.train(seed, seed_count=len(seed))
    chance = 1 / len({e.category for e in seed})
    assert model.accuracy["category"] is not None and model.accuracy["category"] > 3 * chance


def test_retraining_learns_from_confirmed_complaints(org: Any, make_user: Any) -> None:
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    services.ensure_default_categories()
    debt = ComplaintCategory.objects.get(code="debt-collection")
    for n in range(6):
        c = make_complaint(org.haidian, actor=officer, subject=f"外包公司骚扰{n}", text="外包公司天天骚扰我单位领导",
                           category=debt, product_line="loan")
        services.complaint_accept(actor=officer, complaint=c)
        services.complaint_decide(actor=officer, complaint=c, facts="f", basis="b", reasons="r", remedies="m")
    with pytest.raises(PermissionDenied):
        services.classifier_retrain(actor=make_user(Role.SERVICE_AGENT))
    model = services.classifier_retrain(actor=officer)
    assert model.examples == len(classifier.seed_examples()) + 6
    assert model.accuracy["category"] is not None
    classifier.reset()  # a new process loads the saved model
    assert classifier.current().suggest("外包公司骚扰我单位领导").category == "debt-collection"
    assert AuditEvent.objects.filter(action="classifier.retrain").exists()


def test_a_person_confirms_the_suggestion_on_the_page(org: Any, make_user: Any, login_client: Any) -> None:
    agent = make_user(Role.SERVICE_AGENT, unit="beijing")
    complaint = make_complaint(org.haidian, actor=agent, category=None, product_line="other",
                               subject="信用卡被盗刷", text="境外消费三笔，本人未操作")
    client = login_client(agent)
    page = client.get(f"/service/complaints/{complaint.pk}/").content.decode()
    assert "classifier-hint" in page
    complaint.refresh_from_db()
    assert complaint.category is None  # a suggestion never acts alone
    fraud = ComplaintCategory.objects.get(code="fraud")
    response = client.post(f"/service/complaints/{complaint.pk}/classify/",
                           {"classify-category": fraud.pk, "classify-product_line": "credit_card"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.category, complaint.product_line) == (fraud, "credit_card")


def test_the_categories_page_shows_the_accuracy_after_a_retrain(org: Any, make_user: Any, login_client: Any) -> None:
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    client = login_client(officer)
    assert "classifier-accuracy" not in client.get("/service/categories/").content.decode()
    assert client.post("/service/classifier/retrain/").status_code == 302
    assert "classifier-accuracy" in client.get("/service/categories/").content.decode()


def test_rotating_keys_re_encrypts_and_keeps_phone_search_working(org: Any, make_user: Any, settings: Any) -> None:
    agent = make_user(Role.SERVICE_AGENT, unit="beijing")
    complaint = make_complaint(org.haidian, actor=agent)
    old_keys = settings.FIELD_ENCRYPTION_KEYS
    new_key = base64.b64encode(b"k" * 32).decode()
    settings.FIELD_ENCRYPTION_KEYS = f"{old_keys},new9:{new_key}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "new9"
    assert services.complaints_rotate_keys() >= 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT complainant_phone, phone_index FROM service_complaint WHERE id = %s", [complaint.pk])
        token, index = cursor.fetchone()
    assert token.startswith("fa1:new9:") and index.startswith("new9:")
    assert Complaint.objects.get(pk=complaint.pk).complainant_phone == PHONE
    found = selectors.complaint_list(actor=agent, filters=selectors.ComplaintFilter(phone=PHONE))
    assert list(found) == [complaint]
