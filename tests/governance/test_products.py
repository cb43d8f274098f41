"""New products and material changes: three pre-launch reviews each by its own reviewer (never the proposer),
the decision by yet another person, conditions → corrective actions, launch, the post-launch review and its
reminder, and the complaints of the product line on the product's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework import selectors as framework_selectors
from finassure.framework.models import Notification
from finassure.governance import services
from finassure.governance.models import PRODUCT_CHECKLISTS, Product, ProductCondition
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from tests.governance import factories as f

pytestmark = pytest.mark.django_db


def _all_ok(kind: str) -> dict[str, bool]:
    return {key: True for key, _label in PRODUCT_CHECKLISTS[kind]}


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "proposer": make_user(Role.EMPLOYEE, unit="haidian", username="wang.product"),
        "risk": make_user(Role.RISK_MANAGER, username="liu.risk"),
        "compliance": make_user(Role.QUALITY_MANAGER, username="chen.compliance"),
        "consumer": make_user(Role.CONSUMER_PROTECTION_OFFICER, username="zheng.cpo"),
        "approver": make_user(Role.QUALITY_MANAGER, username="ma.approver"),
        "owner": make_user(Role.EMPLOYEE, unit="haidian", username="sun.owner"),
    }


def _proposed(org: Any, people: dict[str, Any]) -> Product:
    process = f.make_process(org.haidian, code="wealth-sales")
    policy = f.make_policy(org.beijing)
    risk = f.make_risk(org.haidian, category="consumer")
    product = services.product_create(actor=people["proposer"], org_unit=org.haidian, code="wm-steady-01",
                                      name="稳健理财1号", kind="new", product_line="wealth_management",
                                      description="一年期固定收益类理财产品", processes=[process], policies=[policy],
                                      risks=[risk])
    return services.product_submit(actor=people["proposer"], product=product)


def _review_all(product: Product, people: dict[str, Any]) -> None:
    for kind in ("risk", "compliance", "consumer"):
        services.product_review_record(actor=people[kind], product=product, kind=kind, checklist=_all_ok(kind),
                                       result="pass")


def test_a_product_goes_through_three_reviews_and_an_approval_whose_conditions_become_actions(
        org: Any, people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    _review_all(product, people)
    due = timezone.localdate() + dt.timedelta(days=30)
    review_due = timezone.localdate() + dt.timedelta(days=180)
    product = services.product_decide(
        actor=people["approver"], product=product, approve=True, note="三项审查通过，附条件同意上线。",
        post_launch_review_due=review_due,
        conditions=[services.Condition("上线前完成销售人员适当性培训", people["owner"], due)])
    assert (product.status, product.approver, product.post_launch_review_due) == ("approved", people["approver"],
                                                                                   review_due)
    condition = ProductCondition.objects.get(product=product)
    actions = list(framework_selectors.corrective_actions_for(source=condition))
    assert len(actions) == 1 and (actions[0].owner, actions[0].due) == (people["owner"], due)
    assert Notification.objects.filter(recipient=people["proposer"], url=product.get_absolute_url()).exists()
    product = services.product_launch(actor=people["proposer"], product=product, launched_on=timezone.localdate())
    assert product.status == "launched"
    with pytest.raises(PermissionDenied):  # the proposer does not review their own product after launch either
        services.product_post_launch_review(actor=people["proposer"], product=product,
                                            held_on=timezone.localdate(), note="良好")
    product = services.product_post_launch_review(actor=people["approver"], product=product,
                                                  held_on=timezone.localdate(), note="销售平稳，投诉2件已办结。")
    assert product.post_launch_reviewed_on == timezone.localdate()


def test_the_proposer_cannot_review_their_own_product(org: Any, make_user: Any, people: dict[str, Any]) -> None:
    proposer = make_user(Role.RISK_MANAGER, unit="haidian", username="risk.proposer")
    product = services.product_create(actor=proposer, org_unit=org.haidian, code="card-02", name="联名信用卡",
                                      kind="new", product_line="credit_card")
    services.product_submit(actor=proposer, product=product)
    with pytest.raises(PermissionDenied, match="proposed"):
        services.product_review_record(actor=proposer, product=product, kind="risk", checklist=_all_ok("risk"),
                                       result="pass")
    assert not product.reviews.exists()


def test_one_person_cannot_carry_out_two_reviews(org: Any, make_user: Any, people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    services.product_review_record(actor=people["risk"], product=product, kind="risk", checklist=_all_ok("risk"),
                                   result="pass")
    with pytest.raises(PermissionDenied, match="own reviewer"):  # a risk manager may also review compliance
        services.product_review_record(actor=people["risk"], product=product, kind="compliance",
                                       checklist=_all_ok("compliance"), result="pass")
    with pytest.raises(Conflict):  # and a risk assessment is recorded once a round
        services.product_review_record(actor=make_user(Role.RISK_MANAGER, username="second.risk"), product=product,
                                       kind="risk",
                                       checklist=_all_ok("risk"), result="pass")


def test_only_a_consumer_protection_officer_does_the_consumer_protection_review(org: Any,
                                                                                people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    with pytest.raises(PermissionDenied):
        services.product_review_record(actor=people["compliance"], product=product, kind="consumer",
                                       checklist=_all_ok("consumer"), result="pass")


def test_the_decision_needs_all_reviews_and_someone_else(org: Any, make_user: Any, people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    later = timezone.localdate() + dt.timedelta(days=90)
    with pytest.raises(Conflict, match="reviews must all"):
        services.product_decide(actor=people["approver"], product=product, approve=True, note="同意",
                                post_launch_review_due=later)
    _review_all(product, people)
    with pytest.raises(PermissionDenied, match="reviewer"):  # the compliance reviewer may approve, but not this one
        services.product_decide(actor=people["compliance"], product=product, approve=True, note="同意",
                                post_launch_review_due=later)
    manager_proposer = make_user(Role.QUALITY_MANAGER, unit="haidian", username="qm.proposer")
    own = services.product_create(actor=manager_proposer, org_unit=org.haidian, code="own-1", name="自拟产品",
                                  kind="change", product_line="deposit")
    services.product_submit(actor=manager_proposer, product=own)
    with pytest.raises(PermissionDenied, match="proposed"):
        services.product_decide(actor=manager_proposer, product=own, approve=True, note="同意",
                                post_launch_review_due=later)
    with pytest.raises(ValidationFailed):  # an approval schedules a post-launch review
        services.product_decide(actor=people["approver"], product=product, approve=True, note="同意")
    product.refresh_from_db()
    assert product.status == "review" and product.approver is None


def test_a_checklist_with_an_unsatisfactory_item_cannot_pass_and_a_failed_review_sends_it_back(
        org: Any, people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    checklist = {**_all_ok("consumer"), "fees": False}
    with pytest.raises(ValidationFailed, match="unsatisfactory"):
        services.product_review_record(actor=people["consumer"], product=product, kind="consumer",
                                       checklist=checklist, result="pass")
    with pytest.raises(ValidationFailed):  # a failed review says what must change
        services.product_review_record(actor=people["consumer"], product=product, kind="consumer",
                                       checklist=checklist, result="fail")
    with pytest.raises(ValidationFailed, match="every item"):
        services.product_review_record(actor=people["consumer"], product=product, kind="consumer",
                                       checklist={"fees": True}, result="fail", comment="x")
    services.product_review_record(actor=people["consumer"], product=product, kind="consumer", checklist=checklist,
                                   result="fail", comment="提前赎回费率未在说明书显著位置披露")
    product.refresh_from_db()
    assert (product.status, product.round) == ("draft", 2)
    services.product_submit(actor=people["proposer"], product=product)
    _review_all(product, people)  # a new round: the same reviewers review again
    assert product.reviews.filter(round=2).count() == 3


def test_a_submitted_product_is_frozen(org: Any, people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    with pytest.raises(Conflict):
        services.product_update(actor=people["proposer"], product=product, name="改名", kind="new",
                                product_line="wealth_management")


def test_the_post_launch_review_is_reminded_to_proposer_and_approver(org: Any) -> None:
    proposer, approver = f.make_author(org.haidian), f.make_author(org.haidian)
    product = f.make_product(org.haidian, status="launched", proposer=proposer)
    Product.objects.filter(pk=product.pk).update(approver=approver,
                                                 post_launch_review_due=timezone.localdate() + dt.timedelta(days=10))
    counts = services.reminders_send()
    assert counts["post_launch_review"] == 2
    assert set(Notification.objects.filter(url=product.get_absolute_url()).values_list("recipient", flat=True)) == {
        proposer.pk, approver.pk}
    assert services.reminders_send()["post_launch_review"] == 0  # once a day


def _complaint(unit: Any, line: str, status: str = "registered", days_ago: int = 1) -> Any:
    from finassure.service.models import Complaint

    n = Complaint.objects.count() + 1
    return Complaint.objects.create(tracking_number=f"TS{n:08d}", org_unit=unit, subject=f"投诉{n}", text="……",
                                    product_line=line, status=status,
                                    received_at=timezone.now() - dt.timedelta(days=days_ago))


def test_the_product_page_shows_the_complaints_of_its_product_line_in_scope(
        org: Any, login_client: Any, make_user: Any) -> None:
    product = f.make_product(org.beijing, product_line="wealth_management")
    _complaint(org.haidian, "wealth_management")
    _complaint(org.beijing, "wealth_management", status="closed", days_ago=200)
    _complaint(org.beijing, "credit_card")  # another product line
    _complaint(org.shanghai, "wealth_management")  # outside the product's unit
    primary = _complaint(org.beijing, "wealth_management", days_ago=200)
    primary.status = "closed"
    primary.save(update_fields=["status"])
    repeat = _complaint(org.beijing, "wealth_management", days_ago=199)
    repeat.merged_into, repeat.status = primary, "merged"  # a merged repeat counts once, as its primary
    repeat.save(update_fields=["merged_into", "status"])
    cpo = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    body = login_client(cpo).get(product.get_absolute_url()).content.decode()
    assert "3 in all, 1 open, 1 in the last 90 days." in body
    employee = make_user(Role.EMPLOYEE, unit="beijing")  # may see products, not complaints
    body = login_client(employee).get(product.get_absolute_url()).content.decode()
    assert "You may not read complaints." in body


def test_reviews_and_the_decision_work_from_the_page(org: Any, login_client: Any, people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    for kind in ("risk", "compliance", "consumer"):
        data = {f"{kind}-item_{key}": "yes" for key, _label in PRODUCT_CHECKLISTS[kind]}
        data.update({f"{kind}-result": "pass", f"{kind}-comment": ""})
        response = login_client(people[kind]).post(f"/governance/products/{product.pk}/reviews/{kind}/", data)
        assert response.status_code == 302, response.content.decode()[:800]
    client = login_client(people["approver"])
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'id="decision"' in page
    response = client.post(f"/governance/products/{product.pk}/decision/", {
        "decision": "approve", "note": "同意", "post_launch_review_due": (timezone.localdate()
                                                                        + dt.timedelta(days=90)).isoformat(),
        "condition_1": "完成营销材料合规复核", "condition_1_owner": people["owner"].pk,
        "condition_1_due": (timezone.localdate() + dt.timedelta(days=20)).isoformat()})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == "approved" and product.conditions.count() == 1
    # the proposer sees no review or decision forms on their own product
    page = login_client(people["proposer"]).get(product.get_absolute_url()).content.decode()
    assert "Record review" not in page and 'id="decision"' not in page


def test_a_half_filled_condition_is_refused_and_nothing_is_decided(org: Any, login_client: Any,
                                                                   people: dict[str, Any]) -> None:
    product = _proposed(org, people)
    _review_all(product, people)
    response = login_client(people["approver"]).post(f"/governance/products/{product.pk}/decision/", {
        "decision": "approve", "note": "同意",
        "post_launch_review_due": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        "condition_1": "完成培训"})
    assert response.status_code == 400 and "owner and a due date" in response.content.decode()
    product.refresh_from_db()
    assert product.status == "review" and not product.conditions.exists()


def test_the_product_list_and_its_export_take_the_same_queries_for_3_or_12_products(
        org: Any, login_client: Any, author: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_client(author)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for _ in range(n):
            product = f.make_product(org.haidian)
            product.processes.set([f.make_process(org.haidian)])
            product.risks.set([f.make_risk(org.haidian)])

    add(3)
    count("/governance/products/")  # warm up (the first request of a session loads the navigation once)
    few = (count("/governance/products/"), count("/governance/products/?format=xlsx"))
    add(9)
    assert (count("/governance/products/"), count("/governance/products/?format=xlsx")) == few
