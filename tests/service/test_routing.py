"""Routing rules: configurable, the most specific match suggests a handling unit, a person confirms."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from finassure.accounts.models import BusinessLine
from finassure.accounts.roles import Role
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.service import selectors, services
from finassure.service.models import ComplaintCategory, RoutingRule
from tests.service.factories import make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(client: Any) -> Any:
    cache.clear()
    services.ensure_default_categories()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages answer in English (the catalogue has zh-hans)
    with translation.override("en"):
        yield


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="head")


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="beijing")


def category(code: str) -> ComplaintCategory:
    return ComplaintCategory.objects.get(code=code)


def test_the_most_specific_rule_wins_then_the_lower_priority(org: Any, admin: Any) -> None:
    services.routing_rule_save(actor=admin, product_line="wealth_management", target=org.shanghai, priority=1)
    specific = services.routing_rule_save(actor=admin, product_line="wealth_management",
                                          category=category("sales-misconduct"), target=org.head, priority=50)
    services.routing_rule_save(actor=admin, product_line="wealth_management", category=category("sales-misconduct"),
                               target=org.beijing, priority=60)
    complaint = make_complaint(org.haidian)  # wealth management, sales misconduct
    suggestion = selectors.routing_suggest(complaint=complaint)
    assert suggestion is not None and (suggestion.rule, suggestion.target) == (specific, org.head)


def test_no_matching_rule_and_a_rule_pointing_to_the_current_unit_suggest_nothing(org: Any, admin: Any) -> None:
    services.routing_rule_save(actor=admin, product_line="loan", target=org.head)
    complaint = make_complaint(org.haidian)
    assert selectors.routing_suggest(complaint=complaint) is None
    services.routing_rule_save(actor=admin, channel="counter", target=org.haidian)
    assert selectors.routing_suggest(complaint=complaint) is None


def test_inactive_rules_are_ignored_and_the_business_line_comes_from_the_unit(org: Any, admin: Any) -> None:
    line = BusinessLine.objects.create(institution=org.haidian.institution, code="retail", kind="banking",
                                       name="零售银行")
    other = BusinessLine.objects.create(institution=org.haidian.institution, code="sec", kind="securities",
                                        name="证券")
    org.haidian.business_line = line
    org.haidian.save()
    services.routing_rule_save(actor=admin, channel="counter", target=org.shanghai, is_active=False)
    services.routing_rule_save(actor=admin, business_line=other, target=org.head)
    complaint = make_complaint(org.haidian)
    assert selectors.routing_suggest(complaint=complaint) is None
    rule = services.routing_rule_save(actor=admin, business_line=line, target=org.beijing)
    suggestion = selectors.routing_suggest(complaint=complaint)
    assert suggestion is not None and suggestion.rule == rule


def test_a_suggestion_never_moves_the_complaint_by_itself(org: Any, admin: Any) -> None:
    services.routing_rule_save(actor=admin, product_line="wealth_management", target=org.head)
    complaint = make_complaint(org.haidian)
    complaint.refresh_from_db()
    assert complaint.org_unit == org.haidian


def test_the_handler_confirms_the_routing_which_is_recorded_and_audited(org: Any, admin: Any, agent: Any,
                                                                       login_client: Any) -> None:
    rule = services.routing_rule_save(actor=admin, product_line="wealth_management", target=org.head)
    complaint = make_complaint(org.haidian, actor=agent)
    client = login_client(agent)
    page = client.get(f"/service/complaints/{complaint.pk}/").content.decode()
    assert f"Routing rule #{rule.pk} suggests" in page
    response = client.post(f"/service/complaints/{complaint.pk}/route/",
                           {"route-org_unit": org.head.pk, "route-rule": rule.pk})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.org_unit == org.head
    event = complaint.events.filter(kind="note").last()
    assert event.data == {"routed_from": org.haidian.pk, "routed_to": org.head.pk, "rule": rule.pk}
    assert AuditEvent.objects.filter(action="complaint.route", object_id=str(complaint.pk)).count() == 1


def test_routing_to_the_same_unit_or_by_someone_without_handling_rights_is_refused(org: Any, agent: Any,
                                                                                   make_user: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    with pytest.raises(ValidationFailed):
        services.complaint_route(actor=agent, complaint=complaint, org_unit=org.haidian)
    auditor = make_user(Role.INTERNAL_AUDITOR, unit="beijing")
    with pytest.raises(PermissionDenied):
        services.complaint_route(actor=auditor, complaint=complaint, org_unit=org.head)


def test_only_a_service_administrator_manages_rules(org: Any, admin: Any, agent: Any, login_client: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.routing_rule_save(actor=agent, target=org.head)
    assert login_client(agent).get("/service/routing/").status_code == 403
    client = login_client(admin)
    response = client.post("/service/routing/", {"product_line": "credit_card", "channel": "", "target": org.head.pk,
                                                "priority": 10, "is_active": "on"})
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.product_line, rule.channel, rule.target, rule.priority) == ("credit_card", "", org.head, 10)
    assert client.post(f"/service/routing/{rule.pk}/delete/").status_code == 302
    assert not RoutingRule.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="routing_rule.").count() == 2


def test_a_bad_rule_is_refused_with_a_message(org: Any, admin: Any, login_client: Any) -> None:
    response = login_client(admin).post("/service/routing/", {"product_line": "cars", "target": org.head.pk,
                                                              "priority": 10})
    assert response.status_code == 400
    assert not RoutingRule.objects.exists()
