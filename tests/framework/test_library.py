"""The framework library: the seed in YAML, idempotent loading, upgrades that keep tuned targets, bad files refused."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.framework import loader, services
from finassure.framework.models import Indicator, LibraryVersion, Measure, TargetOverride
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent

pytestmark = pytest.mark.django_db
TEXT = loader.DEFAULT_LIBRARY.read_text(encoding="utf-8")

SEED_TARGETS = {
    "policy-coverage": ("governance.policy_coverage", 100, "higher", "quarter"),
    "training-pass-rate": ("training.pass_rate", 98, "higher", "quarter"),
    "internal-audit-quarterly": ("governance.internal_audit_held", 1, "higher", "quarter"),
    "vulnerability-scan-half-yearly": ("security.vulnerability_scan_held", 1, "higher", "half"),
    "major-vulnerabilities-open": ("security.major_vulnerabilities_open", 0, "lower", "quarter"),
    "security-incidents": ("incidents.security_incidents_count", 1, "lower", "quarter"),
    "customer-satisfaction": ("service.customer_satisfaction", 90, "higher", "quarter"),
    "complaints-within-48h": ("service.complaints_handled_within_48h_share", 100, "higher", "quarter"),
    "complaint-handling-hours": ("service.complaint_handling_hours_avg", 48, "lower", "quarter"),
    "training-coverage": ("training.coverage", 100, "higher", "year"),
    "risk-awareness-score": ("training.awareness_score_avg", 85, "higher", "year"),
    "complaint-handling-satisfaction": ("service.complaint_handling_satisfaction", 95, "higher", "quarter"),
    "pii-leak-incidents": ("incidents.pii_leak_count", 0, "lower", "quarter"),
    "response-within-2h": ("incidents.response_within_2h_share", 100, "higher", "quarter"),
    "major-incident-efficiency": ("incidents.major_handling_efficiency_gain", 20, "higher", "year"),
    "annual-training-plan": ("training.annual_plan_approved", 1, "higher", "year"),
    "annual-emergency-drill": ("incidents.emergency_drill_held", 1, "higher", "year"),
    "policy-review": ("governance.policy_review_held", 1, "higher", "year"),
    # v2: computed by the framework from its meeting and assessment records
    "working-meeting-quarterly": ("framework.working_meeting_held", 1, "higher", "quarter"),
    "external-assessment-annual": ("framework.external_assessment_held", 1, "higher", "year"),
    "policy-attestation-completion": ("governance.attestation_completion_share", 100, "higher", "quarter"),
    "aml-alerts-reviewed-on-time": ("monitoring.alerts_reviewed_within_deadline_share", 95, "higher", "quarter"),
    "aml-alert-backlog": ("monitoring.alert_backlog", 20, "lower", "quarter"),
    "aml-lvtr-on-time": ("monitoring.lv_reports_filed_on_time_share", 100, "higher", "quarter"),
    "aml-str-filed": ("monitoring.suspicious_reports_filed", 0, "higher", "quarter"),
}
V1_TEXT = (loader.LIBRARY_DIR / "assurance-v1.yaml").read_text(encoding="utf-8")


def _manager(make_user: Any) -> Any:
    return make_user(Role.QUALITY_MANAGER, unit="head")


def test_the_library_encodes_the_seeds_measures_and_targets(org: Any, make_user: Any) -> None:
    report = services.library_load(actor=_manager(make_user))
    assert not report.unchanged and len(report.created) == 9 + 28
    assert set(Measure.objects.values_list("number", flat=True)) == {"1", "2", "3", "4", "5", "6", "四", "五", "六"}
    for key, (computation, target, direction, period) in SEED_TARGETS.items():
        indicator = Indicator.objects.get(key=key)
        assert (indicator.computation, indicator.target, indicator.direction, indicator.period) == (
            computation, target, direction, period), key
        assert indicator.name and indicator.name_en
    assert Measure.objects.get(key="m3-service").responsible_role == Role.CONSUMER_PROTECTION_OFFICER
    assert AuditEvent.objects.filter(action="framework_library.load").count() == 1


def test_loading_the_same_version_again_changes_nothing(org: Any, make_user: Any) -> None:
    services.library_load(actor=None)
    again = services.library_load(actor=None)
    assert again.unchanged and LibraryVersion.objects.count() == 1 and Indicator.objects.count() == 28


def test_a_newer_version_keeps_tuned_targets_and_reports_changes(org: Any, make_user: Any) -> None:
    manager = _manager(make_user)
    services.library_load(actor=manager)
    services.indicator_target_set(actor=manager, indicator=Indicator.objects.get(key="customer-satisfaction"),
                                  target=92, amber=4, reason="董事会要求")
    v2 = (TEXT.replace("version: 2", "version: 3")
          .replace("        target: 90\n", "        target: 91\n")            # tuned: kept
          .replace("        target: 98\n", "        target: 99\n")            # untuned: follows the library
          .replace("name: 客户满意度\n", "name: 客户满意度（调查）\n"))
    v2 = v2.replace("      - id: policy-review\n        name: 定期制度评审\n        name_en: Periodic policy review\n"
                    "        period: year\n        computation: governance.policy_review_held\n"
                    "        target_note: 定期评审制度并更新\n", "")
    report = services.library_load(actor=manager, text=v2, name="assurance-v3.yaml")
    satisfaction = Indicator.objects.get(key="customer-satisfaction")
    assert (satisfaction.target, satisfaction.library_target, satisfaction.name) == (92, 91, "客户满意度（调查）")
    assert Indicator.objects.get(key="training-pass-rate").target == 99
    assert not Indicator.objects.get(key="policy-review").is_active
    assert any("customer-satisfaction" in k and "92" in k for k in report.kept_targets)
    assert any(c.startswith("indicator training-pass-rate") and "98 → 99" in c for c in report.changed)
    assert "indicator policy-review" in report.retired
    with pytest.raises(Conflict):
        services.library_load(actor=manager)  # going back to version 1


def test_changed_content_under_the_same_version_is_refused(org: Any) -> None:
    services.library_load(actor=None)
    with pytest.raises(Conflict, match="new version"):
        services.library_load(actor=None, text=TEXT.replace("target: 98", "target: 97"))


@pytest.mark.parametrize(("change", "line_text", "reason"), [
    (("        target: 85\n", ""), "id: risk-awareness-score", "has no 'target'"),
    (("computation: training.coverage", "computation: training.coverag"), "computation: training.coverag",
     "unknown computation 'training.coverag'"),
    (("id: m2-infosec", "id: m1-policy"), "id: m1-policy", "duplicate id 'm1-policy'"),
    (("amber: 12", "amber: twelve"), "amber: twelve", "'amber' must be a number"),
    (("target: 98", "target: [98]"), "target: [98]", "'target' must be a number"),
    (("period: half", "period: half\n        colour: red"), "colour: red", "unknown key 'colour'"),
    (("target: 98", "target: 198"), "target: 198", "outside the indicator's range 0–100"),
    (("version: 2", "version: one"), "version: one", "'version' must be a integer"),
])
def test_a_bad_file_is_refused_whole_with_file_line_and_reason(org: Any, change: tuple[str, str], line_text: str,
                                                                reason: str) -> None:
    bad = TEXT.replace(*change, 1)
    start = TEXT.index(change[0]) if change[1] else 0
    expected_line = bad[:bad.index(line_text, start)].count("\n") + 1
    with pytest.raises(loader.LibraryInvalid) as exc:
        services.library_load(actor=None, text=bad, name="bad.yaml")
    problem = exc.value.problems[0]
    assert problem.file == "bad.yaml" and reason in problem.reason
    assert problem.line == expected_line or (reason.startswith("has no") and abs(problem.line - expected_line) <= 1)
    assert not Measure.objects.exists() and not Indicator.objects.exists() and not LibraryVersion.objects.exists()


def test_invalid_yaml_is_refused_with_its_line(org: Any) -> None:
    with pytest.raises(loader.LibraryInvalid) as exc:
        loader.parse("library: x\nversion: 1\nmeasures: [\n", "broken.yaml")
    assert exc.value.problems[0].file == "broken.yaml" and "not valid YAML" in exc.value.problems[0].reason


def test_targets_outside_the_range_are_refused(org: Any, make_user: Any) -> None:
    manager = _manager(make_user)
    services.library_load(actor=manager)
    coverage = Indicator.objects.get(key="policy-coverage")
    with pytest.raises(ValidationFailed, match="outside this indicator's range 0–100"):
        services.indicator_target_set(actor=manager, indicator=coverage, target=120, amber=5)
    with pytest.raises(ValidationFailed, match="outside"):
        services.target_override_set(actor=manager, indicator=coverage, target=-1, amber=0, org_unit=org.beijing)
    assert Indicator.objects.get(pk=coverage.pk).target == 100 and not TargetOverride.objects.exists()


def test_overrides_are_scoped_and_audited(org: Any, make_user: Any) -> None:
    services.library_load(actor=None)
    satisfaction = Indicator.objects.get(key="customer-satisfaction")
    with pytest.raises(PermissionDenied):
        services.target_override_set(actor=make_user(Role.QUALITY_MANAGER, unit="shanghai"), indicator=satisfaction,
                                     target=85, amber=5, org_unit=org.beijing)
    with pytest.raises(PermissionDenied):  # institution-wide targets belong to the head office
        services.indicator_target_set(actor=make_user(Role.QUALITY_MANAGER, unit="beijing"),
                                      indicator=satisfaction, target=85, amber=5)
    override = services.target_override_set(actor=make_user(Role.QUALITY_MANAGER, unit="beijing"),
                                             indicator=satisfaction, target=85, amber=5, org_unit=org.beijing,
                                             reason="新设分行")
    assert AuditEvent.objects.filter(action="target_override.set", object_id=str(override.pk)).exists()


def test_the_command_checks_and_loads_files(org: Any, tmp_path: Any, capsys: Any) -> None:
    from django.core.management import CommandError, call_command

    call_command("framework", "check", str(loader.DEFAULT_LIBRARY))
    assert "9 measures, 28 indicators and obligations" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEXT.replace("target: 98", "target: lots"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad.yaml:\d+: 'target' must be a number"):
        call_command("framework", "load", str(bad))
    call_command("framework", "load")
    call_command("framework", "load")
    assert "already loaded; nothing changed" in capsys.readouterr().out


def test_upgrading_from_v1_to_the_shipped_v2_keeps_targets_moves_the_review_obligations_and_adds_indicators(
        org: Any, make_user: Any) -> None:
    manager = _manager(make_user)
    services.library_load(actor=manager, text=V1_TEXT, name="assurance-v1.yaml")
    meeting = Indicator.objects.get(key="working-meeting-quarterly")
    assert meeting.computation == "governance.working_meeting_held"  # a retired name v1 may still use
    services.indicator_target_set(actor=manager, indicator=Indicator.objects.get(key="customer-satisfaction"),
                                  target=93, amber=3, reason="董事会要求")
    report = services.library_load(actor=manager)
    assert report.version == 2 and not report.retired
    assert Indicator.objects.get(key="customer-satisfaction").target == 93  # the institution's own target kept
    meeting.refresh_from_db()
    assert meeting.computation == "framework.working_meeting_held"
    assert "indicator working-meeting-quarterly: computation" in report.changed
    assert "indicator external-assessment-annual: computation" in report.changed
    assert set(report.created) == {"indicator policy-attestation-completion", "indicator aml-alerts-reviewed-on-time",
                                   "indicator aml-alert-backlog", "indicator aml-lvtr-on-time",
                                   "indicator aml-str-filed"}
    assert Indicator.objects.get(key="policy-attestation-completion").amber == 5  # amber from 95 %
    assert list(LibraryVersion.objects.values_list("version", flat=True)) == [2, 1]


def test_every_computation_the_shipped_library_names_is_in_the_catalogue() -> None:
    from finassure.framework.catalogue import COMPUTATIONS

    names = {line.split("computation:")[1].strip() for line in TEXT.splitlines() if "computation:" in line}
    assert names <= set(COMPUTATIONS)
    assert not any(n.startswith("governance.working") or n.startswith("governance.external") for n in names)


def test_a_bad_file_is_refused_in_the_operators_language(org: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from django.core.management import CommandError, call_command
    from django.utils import translation

    bad = TEXT.replace("target: 98", "target: lots").replace("id: m2-infosec", "id: m1-policy")
    with translation.override("zh-hans"), pytest.raises(loader.LibraryInvalid) as exc:
        loader.parse(bad, "bad.yaml")
    reasons = [p.reason for p in exc.value.problems]
    assert "“target”须为数字，而不是 'lots'" in reasons
    assert any(r.startswith("编号“m1-policy”重复（首次用于第 ") for r in reasons)
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    monkeypatch.setenv("FINASSURE_LANG", "zh-hans")
    with pytest.raises(CommandError, match=r"bad.yaml:\d+: “target”须为数字，而不是 'lots'"):
        call_command("framework", "check", str(path))
