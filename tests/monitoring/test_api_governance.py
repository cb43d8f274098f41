"""Rule and model governance through the REST API: the same services as the pages, four eyes, 400 for what the
services refuse and 422 for what the schema refuses, as everywhere in the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from finassure.accounts import services as accounts
from finassure.accounts.roles import Role
from finassure.monitoring.models import ModelVersion, RuleChange
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import make_model, make_rule_change, make_run

pytestmark = pytest.mark.django_db
BASE = "/api/v1/monitoring"


class Api:
    """A bearer-token client for one user (two people need two clients)."""

    def __init__(self, user: Any, read_only: bool = False) -> None:
        token = accounts.token_create(actor=user, name="test", read_only=read_only)[1]
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def get(self, path: str) -> Any:
        return self.client.get(BASE + path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(BASE + path, json.dumps(body or {}), content_type="application/json")


def _proposal(org: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "org_unit_id": org.haidian.pk,
        "rule_id": "pboc_lv_cash",
        "enabled": True,
        "params": {"cny_threshold": 45000},
        "reason": "试运行较低阈值",
    }
    return body | overrides


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    return dict(body["error"])


# --- rules ---------------------------------------------------------------------------------------------------------


def test_a_rule_change_applies_only_after_a_second_person_approves(org: Any, analyst: Any, checker: Any) -> None:
    maker, other = Api(analyst), Api(checker)
    response = maker.post("/rule-changes", _proposal(org))
    assert response.status_code == 201, response.content
    change = response.json()
    assert (change["status"], change["version"], change["proposed_by_id"]) == ("proposed", 1, analyst.pk)

    def in_force() -> dict[str, Any]:
        rules = maker.get(f"/rules?org_unit={org.haidian.pk}").json()["rules"]
        return next(r for r in rules if r["rule_id"] == "pboc_lv_cash")

    assert in_force()["change"] is None and in_force()["params"]["cny_threshold"] != 45000

    error = _error(maker.post(f"/rule-changes/{change['id']}/approve"), 409, "conflict")
    assert "four eyes" in error["message"]
    assert RuleChange.objects.get().status == RuleChange.Status.PROPOSED

    approved = other.post(f"/rule-changes/{change['id']}/approve", {"note": "同意试运行"}).json()
    assert (approved["status"], approved["decided_by_id"]) == ("approved", checker.pk)
    rule = in_force()
    assert rule["params"]["cny_threshold"] == 45000 and rule["changed"] == ["cny_threshold"]
    assert (rule["change"]["id"], rule["change"]["version"], rule["change"]["decided_by_id"]) == (
        change["id"], 1, checker.pk)
    assert set(AuditEvent.objects.filter(object_id=str(change["id"])).values_list("action", flat=True)) >= {
        "rule_change.proposed", "rule_change.approved"}


@pytest.mark.parametrize(
    ("overrides", "field", "status"),
    [
        # refused by the rule book (the service): 400
        ({"params": {"no_such_parameter": 1}}, "params", 400),
        ({"params": {"cny_threshold": "fifty thousand"}}, "params", 400),
        ({"params": {"cny_threshold": -1}}, "params", 400),
        ({"rule_id": "no_such_rule"}, "rule_id", 400),
        ({"reason": " "}, "reason", 400),
        # refused by the request schema: 422
        ({"params": ["not", "an", "object"]}, "params", 422),
        ({"org_unit_id": 0}, "org_unit_id", 422),
    ],
)
def test_bad_parameters_are_refused_and_nothing_is_saved(
    org: Any, analyst: Any, overrides: dict[str, Any], field: str, status: int
) -> None:
    error = _error(Api(analyst).post("/rule-changes", _proposal(org, **overrides)), status, "invalid")
    assert field in error["fields"]
    assert not RuleChange.objects.exists()


def test_a_second_pending_change_of_the_same_rule_is_a_conflict(org: Any, analyst: Any) -> None:
    api = Api(analyst)
    assert api.post("/rule-changes", _proposal(org)).status_code == 201
    _error(api.post("/rule-changes", _proposal(org, params={"cny_threshold": 40000})), 409, "conflict")
    assert RuleChange.objects.count() == 1


def test_a_rejection_needs_a_note_and_is_not_the_proposers(org: Any, analyst: Any, checker: Any) -> None:
    change = make_rule_change(org.haidian, proposed_by=analyst)
    _error(Api(checker).post(f"/rule-changes/{change.pk}/reject", {"note": ""}), 400, "invalid")
    _error(Api(analyst).post(f"/rule-changes/{change.pk}/reject", {"note": "自己驳回"}), 409, "conflict")
    rejected = Api(checker).post(f"/rule-changes/{change.pk}/reject", {"note": "阈值过低"}).json()
    assert (rejected["status"], rejected["decision_note"]) == ("rejected", "阈值过低")
    _error(Api(checker).post(f"/rule-changes/{change.pk}/approve"), 409, "conflict")


def test_a_read_only_token_reads_but_cannot_propose_or_decide(org: Any, analyst: Any, checker: Any) -> None:
    change = make_rule_change(org.haidian)
    reader = Api(checker, read_only=True)
    assert reader.get("/rule-changes").json()["count"] == 1
    _error(reader.post("/rule-changes", _proposal(org, rule_id="fan_in", params={})), 403, "forbidden")
    _error(reader.post(f"/rule-changes/{change.pk}/approve"), 403, "forbidden")
    _error(reader.post(f"/rule-changes/{change.pk}/reject", {"note": "不同意"}), 403, "forbidden")
    assert RuleChange.objects.get().status == RuleChange.Status.PROPOSED and RuleChange.objects.count() == 1


def test_viewers_cannot_propose_and_proposers_without_approval_cannot_decide(
    org: Any, make_user: Any
) -> None:
    auditor = make_user(Role.INTERNAL_AUDITOR, unit="beijing")
    change = make_rule_change(org.haidian)
    assert Api(auditor).get("/rule-changes").status_code == 200
    _error(Api(auditor).post("/rule-changes", _proposal(org, rule_id="fan_in", params={})), 403, "forbidden")
    _error(Api(auditor).post(f"/rule-changes/{change.pk}/approve"), 403, "forbidden")
    assert RuleChange.objects.count() == 1


def test_the_change_list_filters_and_stays_in_scope(org: Any, analyst: Any) -> None:
    pending = make_rule_change(org.haidian)
    approved = make_rule_change(org.haidian, rule_id="fan_in", status=RuleChange.Status.APPROVED)
    make_rule_change(org.shanghai)  # outside the analyst's units
    api = Api(analyst)

    def ids(query: str = "") -> list[int]:
        return [c["id"] for c in api.get(f"/rule-changes{query}").json()["items"]]

    assert sorted(ids()) == sorted([pending.pk, approved.pk])
    assert ids("?status=proposed") == [pending.pk]
    assert ids("?rule_id=fan_in") == [approved.pk]
    assert ids(f"?org_unit={org.shanghai.pk}") == []
    _error(api.get("/rule-changes?status=maybe"), 422, "invalid")
    shanghai = RuleChange.objects.get(org_unit=org.shanghai)
    _error(api.get(f"/rule-changes/{shanghai.pk}"), 404, "not_found")
    _error(api.get(f"/rules?org_unit={org.shanghai.pk}"), 404, "not_found")


def test_the_lists_take_a_fixed_number_of_queries(org: Any, analyst: Any) -> None:
    api = Api(analyst)
    make_rule_change(org.haidian)
    make_model(org.haidian)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as changes:
            assert api.get("/rule-changes").status_code == 200
        with CaptureQueriesContext(connection) as models:
            assert api.get("/models").status_code == 200
        return _listing(changes), _listing(models)

    few = queries()
    for n in range(10):
        make_rule_change(org.haidian, rule_id=f"fan_in_{n}", proposed_by=analyst)
        make_model(org.haidian, registered_by=analyst, requested_by=analyst, requested_role="shadow")
    assert queries() == few


def _listing(captured: CaptureQueriesContext) -> int:
    """Queries of a request but the token and role look-ups (cached for a while, so their number varies)."""
    auth = ('"accounts_apitoken"', '"accounts_roleassignment"')
    return sum(not any(table in q["sql"] for table in auth) for q in captured.captured_queries)


# --- models --------------------------------------------------------------------------------------------------------


def test_a_model_role_needs_a_second_person(org: Any, analyst: Any, checker: Any) -> None:
    model = make_model(org.haidian)
    requested = Api(analyst).post(f"/models/{model.pk}/request", {"role": "shadow", "reason": "影子模式对比两周"})
    assert requested.json()["requested_role"] == "shadow" and requested.json()["requested_by_id"] == analyst.pk
    _error(Api(analyst).post(f"/models/{model.pk}/approve"), 409, "conflict")
    assert ModelVersion.objects.get().role == ModelVersion.Role.CANDIDATE
    approved = Api(checker).post(f"/models/{model.pk}/approve").json()
    assert (approved["role"], approved["requested_role"], approved["approved_by_id"]) == ("shadow", "", checker.pk)
    assert AuditEvent.objects.filter(action="model.role_approved", object_id=str(model.pk)).exists()


def test_promotion_to_current_needs_a_comparison_on_the_same_labels(org: Any, analyst: Any) -> None:
    make_model(org.haidian, role=ModelVersion.Role.CURRENT)
    candidate = make_model(org.haidian)
    error = _error(
        Api(analyst).post(f"/models/{candidate.pk}/request", {"role": "current", "reason": "F1 更高"}), 409, "conflict")
    assert "Compare it with the current model first" in error["message"]
    assert ModelVersion.objects.get(pk=candidate.pk).requested_role == ""


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [({"role": "boss", "reason": "影子模式对比两周"}, "role", 422), ({"role": "shadow", "reason": ""}, "reason", 400)],
)
def test_a_bad_role_request_is_refused(org: Any, analyst: Any, body: dict[str, Any], field: str, status: int) -> None:
    model = make_model(org.haidian)
    error = _error(Api(analyst).post(f"/models/{model.pk}/request", body), status, "invalid")
    assert field in error["fields"]
    assert ModelVersion.objects.get().requested_role == ""


def test_a_model_rejection_needs_a_note_and_a_read_only_token_cannot_decide(
    org: Any, analyst: Any, checker: Any
) -> None:
    model = make_model(org.haidian, requested_role="shadow", requested_by=analyst, requested_reason="影子对比")
    _error(Api(checker, read_only=True).post(f"/models/{model.pk}/approve"), 403, "forbidden")
    _error(Api(checker, read_only=True).post(f"/models/{model.pk}/request", {"role": "retired", "reason": "不再使用"}),
           403, "forbidden")
    _error(Api(checker).post(f"/models/{model.pk}/reject", {"note": ""}), 400, "invalid")
    assert Api(checker).post(f"/models/{model.pk}/reject", {"note": "先比较"}).json()["requested_role"] == ""
    assert ModelVersion.objects.get().role == ModelVersion.Role.CANDIDATE


def test_the_model_list_shows_metrics_and_filters_by_role(org: Any, analyst: Any) -> None:
    current = make_model(org.haidian, role=ModelVersion.Role.CURRENT)
    make_model(org.haidian)
    make_model(org.shanghai)  # outside the analyst's units
    api = Api(analyst)
    assert api.get("/models").json()["count"] == 2
    items = api.get("/models?role=current").json()["items"]
    assert [m["id"] for m in items] == [current.pk] and items[0]["metrics"]["held_out_graphs"]["f1"] == 0.85
    assert "path" not in items[0]  # the server's folder is not the client's business
    assert api.get(f"/models/{current.pk}").json()["version"] == current.version


def test_shadow_comparisons_are_read_from_the_runs_in_scope(org: Any, analyst: Any) -> None:
    quality = {"flagged": 12, "suspicious_found": 3, "false_positives_flagged": 2, "recall_on_labels": 0.75,
               "precision_on_labels": 0.6}
    compared = make_run(org.haidian, models_used={
        "current": "v1", "shadow": "v2",
        "comparison": {"accounts": 400, "labelled_accounts": 9, "shadow": {"version": "v2", **quality},
                       "current": {"version": "v1", **quality, "flagged": 10}, "flagged_by_both": 8,
                       "only_shadow": 4, "only_current": 2}})
    failed = make_run(org.haidian, models_used={"current": "v1", "shadow": "v3",
                                                "comparison": {"error": "FileNotFoundError: model.txt"}})
    make_run(org.haidian, models_used={"current": "v1", "shadow": None})  # no shadow model: not a comparison
    make_run(org.shanghai, models_used={"comparison": {"accounts": 1}})  # outside the analyst's units
    body = Api(analyst).get("/models/comparisons").json()
    assert body["count"] == 2
    by_run = {row["run_id"]: row for row in body["items"]}
    assert set(by_run) == {compared.pk, failed.pk}
    row = by_run[compared.pk]
    assert (row["shadow"]["flagged"], row["current"]["flagged"], row["flagged_by_both"], row["error"]) == (12, 10, 8, "")
    assert by_run[failed.pk]["error"].startswith("FileNotFoundError") and by_run[failed.pk]["shadow"] is None


def test_a_nul_character_gets_a_4xx_not_a_500(org: Any, analyst: Any) -> None:
    # PostgreSQL text cannot hold U+0000: the request must be refused before it reaches the database
    error = _error(Api(analyst).post("/rule-changes", _proposal(org, reason="试运行较低阈值\x00")), 422, "invalid")
    assert "reason" in error["fields"]
    assert not RuleChange.objects.exists()


@pytest.mark.parametrize("path", ["/rule-changes?rule_id=fan_in%00", "/models?role=%00"])
def test_a_nul_character_in_a_filter_gets_a_422(org: Any, analyst: Any, path: str) -> None:
    _error(Api(analyst).get(path), 422, "invalid")


@pytest.mark.parametrize("params", [{"cny_threshold\x00": 1}, {"cny_threshold": "\x00"}])
def test_a_nul_character_in_the_parameters_gets_a_422(org: Any, analyst: Any, params: dict[str, Any]) -> None:
    _error(Api(analyst).post("/rule-changes", _proposal(org, params=params)), 422, "invalid")
    assert not RuleChange.objects.exists()
