"""Real-time scoring API: the engine's decision, the first answer for a repeated id, 422 for bad transactions."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.monitoring.models import ScoreResult

pytestmark = pytest.mark.django_db
URL = "/api/v1/transactions/score"


def _txn(**overrides: Any) -> dict[str, Any]:
    txn = {
        "txn_id": "RT-0001",
        "ts": "2026-03-02T10:00:00+08:00",
        "account_id": "A-rt",
        "customer_id": "C-rt",
        "customer_type": "individual",
        "direction": "in",
        "amount": 60000,
        "currency": "CNY",
        "channel": "cash",
    }
    return {**txn, **overrides}


@pytest.fixture
def api(analyst: Any, login_client: Any) -> Any:
    return login_client(analyst)


def _post(api: Any, body: dict[str, Any]) -> Any:
    return api.post(URL, body, content_type="application/json")


def test_a_large_cash_deposit_is_scored_with_its_rule_hit(api: Any) -> None:
    body = _post(api, _txn()).json()
    assert body["txn_id"] == "RT-0001" and body["repeated"] is False
    assert "pboc_lv_cash" in {h["rule_id"] for h in body["hits"]}
    assert body["decision"] in {"review", "block"}


def test_a_repeated_transaction_id_gets_its_first_result(api: Any) -> None:
    first = _post(api, _txn()).json()
    again = _post(api, _txn(amount=10)).json()
    assert again["repeated"] is True
    assert {k: v for k, v in again.items() if k != "repeated"} == {
        k: v for k, v in first.items() if k != "repeated"
    }
    assert ScoreResult.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": -5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": 1e15}, "amount"),
        ({"currency": "yuan"}, "currency"),
        ({"direction": "sideways"}, "direction"),
        ({"ts": "2026-03-02T10:00:00"}, "ts"),
        ({"ts": "1970-01-01T00:00:00Z"}, "ts"),
        ({"txn_id": ""}, "txn_id"),
    ],
)
def test_absurd_values_are_refused_with_422(api: Any, change: dict[str, Any], field: str) -> None:
    response = _post(api, _txn(**change))
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert ScoreResult.objects.count() == 0


def test_missing_fields_are_refused_with_422(api: Any) -> None:
    body = _txn()
    del body["customer_id"]
    response = _post(api, body)
    assert response.status_code == 422 and "customer_id" in response.json()["error"]["fields"]


def test_an_unknown_currency_is_refused_with_422(api: Any) -> None:
    response = _post(api, _txn(currency="XYZ"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
    assert ScoreResult.objects.count() == 0


@pytest.mark.parametrize(("language", "reason"), [("en", "unknown currency 'XYZ'"), ("zh-hans", "未知币种“XYZ”")])
def test_the_engines_refusal_reads_in_the_callers_language(api: Any, language: str, reason: str) -> None:
    response = api.post(URL, _txn(currency="XYZ"), content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["request"] == [reason]


def test_scoring_needs_the_scoring_permission(make_user: Any, login_client: Any) -> None:
    response = _post(login_client(make_user("executive")), _txn())
    assert response.status_code == 403


def test_a_blocked_transaction_opens_a_high_alert_at_once(api: Any, org: Any) -> None:
    from finassure.monitoring.models import Alert, CustomerUnit

    CustomerUnit.objects.create(customer_id="C-rt", org_unit=org.haidian)
    body = _post(api, _txn(amount=200000, counterparty_country="KP", channel="transfer")).json()
    assert body["decision"] == "block", body
    alert = Alert.objects.get()
    assert (alert.severity, alert.run, alert.org_unit, alert.txn_ids) == (
        "high",
        None,
        org.haidian,
        ["RT-0001"],
    )
    assert alert.rule_id == "realtime:high_risk_geography"
    assert ScoreResult.objects.get().alert == alert


def test_a_passed_transaction_opens_no_alert(api: Any) -> None:
    from finassure.monitoring.models import Alert

    assert _post(api, _txn(amount=100, channel="card")).json()["decision"] == "pass"
    assert not Alert.objects.exists()


def test_a_blocked_transaction_reported_as_fraud_also_opens_a_fraud_incident(
    api: Any, analyst: Any, org: Any
) -> None:
    from finassure.incidents.models import Incident
    from finassure.monitoring.models import Alert, CustomerUnit

    CustomerUnit.objects.create(customer_id="C-rt", org_unit=org.haidian)
    body = _post(
        api, _txn(amount=200000, counterparty_country="KP", channel="transfer", suspected_fraud=True)
    ).json()
    incident = Incident.objects.get()
    assert body["decision"] == "block" and body["incident"] == incident.reference
    assert (incident.incident_type.code, incident.org_unit, incident.reporter) == (
        "fraud",
        org.haidian,
        analyst,
    )
    assert "RT-0001" in incident.title and Alert.objects.get().explanation_zh in incident.description
    again = _post(
        api, _txn(amount=200000, counterparty_country="KP", channel="transfer", suspected_fraud=True)
    ).json()
    assert again["repeated"] is True and again["incident"] == incident.reference
    assert Incident.objects.count() == 1


def test_suspected_fraud_that_is_not_blocked_opens_no_incident(api: Any) -> None:
    from finassure.incidents.models import Incident

    body = _post(api, _txn(amount=100, channel="card", suspected_fraud=True)).json()
    assert body["decision"] == "pass" and body["incident"] is None
    assert not Incident.objects.exists()


def test_without_an_active_fraud_incident_type_the_alert_still_opens(api: Any) -> None:
    from finassure.incidents.models import Incident, IncidentType
    from finassure.monitoring.models import Alert

    IncidentType.objects.filter(code="fraud").update(is_active=False)
    body = _post(
        api, _txn(amount=200000, counterparty_country="KP", channel="transfer", suspected_fraud=True)
    ).json()
    assert body["decision"] == "block" and body["incident"] is None
    assert Alert.objects.count() == 1 and not Incident.objects.exists()


def test_real_time_scoring_applies_the_approved_rule_changes_of_the_callers_unit(
    api: Any, analyst: Any, checker: Any, org: Any
) -> None:
    from finassure.monitoring import rulebook

    change = rulebook.rule_change_propose(
        actor=analyst,
        org_unit=org.beijing,
        rule_id="pboc_lv_cash",
        enabled=False,
        params={},
        reason="测试：暂停大额现金规则",
    )
    before = _post(api, _txn(txn_id="RT-before")).json()
    assert "pboc_lv_cash" in {
        h["rule_id"] for h in before["hits"]
    }  # proposed only: the built-in rule applies
    rulebook.rule_change_approve(actor=checker, change=change)
    after = _post(api, _txn(txn_id="RT-after")).json()
    assert "pboc_lv_cash" not in {h["rule_id"] for h in after["hits"]}
    stored = ScoreResult.objects.get(txn_id="RT-after").result
    assert stored["rule_changes"] == f"pboc_lv_cash:{change.pk}"
    assert "rule_changes" not in ScoreResult.objects.get(txn_id="RT-before").result


def test_bearer_scoring_with_the_token_cache_keeps_its_security(
    client: Any, analyst: Any, make_user: Any, settings: Any
) -> None:
    """A scoring client's token is cached (accounts/authcache.py): read-only still refused, revocation at once."""
    from finassure.accounts import authcache
    from finassure.accounts import services as accounts
    from finassure.accounts.models import RoleAssignment
    from finassure.accounts.roles import Role
    from finassure.platform.models import AuditEvent

    settings.FINASSURE_TOKEN_CACHE_SECONDS = 5
    authcache.invalidate()
    writer_token, writer = accounts.token_create(actor=analyst, name="scoring", read_only=False)
    _, reader = accounts.token_create(actor=analyst, name="reporting", read_only=True)

    def score(raw: str, txn_id: str) -> Any:
        return client.post(URL, _txn(txn_id=txn_id, amount=100), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert score(writer, "RT-c1").status_code == 200
    assert score(writer, "RT-c2").status_code == 200  # from the cache
    assert ScoreResult.objects.get(txn_id="RT-c2").requested_by_id == analyst.pk
    for txn_id in ("RT-r1", "RT-r2"):
        assert score(reader, txn_id).status_code == 403  # read-only, cached or not
    security = make_user(Role.SECURITY_ADMIN, unit="head")
    accounts.role_revoke(actor=security, assignment=RoleAssignment.objects.get(user=analyst, role=Role.AML_ANALYST))
    assert score(writer, "RT-c3").status_code == 403  # the role is gone at once in this process
    assert AuditEvent.objects.filter(action="access.denied", actor=analyst).exists()
    accounts.token_revoke(actor=analyst, token=writer_token)
    assert score(writer, "RT-c4").status_code == 401
    assert not ScoreResult.objects.filter(txn_id__in=["RT-r1", "RT-r2", "RT-c3", "RT-c4"]).exists()
    authcache.invalidate()
