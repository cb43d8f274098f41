"""The backups page and API: RPO/RTO achieved against the targets with the restore-test history; the policy is
changed by the system administrator only, audited, and bad values change nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.platform.models import AuditEvent
from finassure.security.models import BackupPolicy
from tests.security.helpers import make_restore_test

pytestmark = pytest.mark.django_db


def test_the_page_shows_rpo_and_rto_achieved_against_the_targets_and_the_history(
    make_user: Any, login_client: Any
) -> None:
    make_restore_test(ok=True, hours_ago=3, seconds=90)
    failed = make_restore_test(ok=False, hours_ago=1)
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="head"))

    page = client.get("/security/backups/").content.decode()

    # The newest verified backup started 3 h ago (180 min, ≤ 1500); its restore test took 90 s = 1.5 min (≤ 240).
    assert "180 min" in page and "target ≤ 1500 min" in page
    assert "1.5 min" in page and "target ≤ 240 min" in page
    assert page.count("bg-green-lt") >= 2
    assert failed.reason in page and failed.file_name in page
    assert "Change the policy" not in page  # the security officer reads; the system administrator changes


def test_without_a_verified_backup_the_targets_are_not_met(make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))
    page = client.get("/security/backups/").content.decode()
    assert page.count("no verified backup") == 2 and page.count("not met") == 2
    body = client.get("/api/v1/backups/recovery").json()
    assert body["rpo_minutes"] is None and body["rpo_met"] is False and body["rto_met"] is False


def test_the_restore_test_page_lists_rows_per_table_and_marks_the_difference(
    make_user: Any, login_client: Any
) -> None:
    test = make_restore_test(ok=False)
    client = login_client(make_user(Role.AUDIT_ADMIN, unit="head"))
    page = client.get(f"/security/backups/restore-tests/{test.pk}/").content.decode()
    assert 'class="table-danger"><td>platform_auditevent</td><td>4</td><td>3</td>' in page
    assert "<td>accounts_user</td><td>3</td><td>3</td>" in page
    assert client.get("/security/backups/restore-tests/999999/").status_code == 404


def test_the_api_reports_recovery_and_the_restore_test_with_its_comparison(
    make_user: Any, login_client: Any
) -> None:
    test = make_restore_test(ok=True, hours_ago=2, seconds=30)
    client = login_client(make_user(Role.SECURITY_ADMIN, unit="head"))
    body = client.get("/api/v1/backups/recovery").json()
    assert body["rpo_minutes"] == 120 and body["rto_minutes"] == 0.5 and body["rpo_met"] and body["rto_met"]
    assert body["verified_restore_test_id"] == test.pk and body["last_backup"]["sha256"] == "a" * 64
    detail = client.get(f"/api/v1/backups/restore-tests/{test.pk}").json()
    assert detail["row_comparison"] == {"accounts_user": [3, 3], "platform_auditevent": [4, 4]}
    assert client.get("/api/v1/backups/restore-tests").json()["count"] == 1


def test_the_system_administrator_changes_the_policy_and_it_is_audited(
    make_user: Any, login_client: Any
) -> None:
    client = login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))
    response = client.post(
        "/security/backups/policy/",
        {"keep_count": 3, "keep_days": 10, "rpo_target_minutes": 30, "rto_target_minutes": 120},
    )
    assert response.status_code == 302
    policy = BackupPolicy.objects.get()
    assert (policy.keep_count, policy.keep_days, policy.rpo_target_minutes, policy.rto_target_minutes) == (
        3,
        10,
        30,
        120,
    )
    event = AuditEvent.objects.get(action="backup_policy.update")
    assert event.changes["keep_count"] == [7, 3] and event.changes["rpo_target_minutes"] == [1500, 30]


def test_bad_policy_values_are_refused_and_nothing_changes(make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))
    response = client.post(
        "/security/backups/policy/",
        {"keep_count": 0, "keep_days": 10, "rpo_target_minutes": 30, "rto_target_minutes": 120},
    )
    assert response.status_code == 400
    api = client.post(
        "/api/v1/backups/policy",
        json.dumps({"keep_count": 5, "rto_target_minutes": -1}),
        content_type="application/json",
    )
    assert api.status_code == 422
    assert not BackupPolicy.objects.exclude(keep_count=7).exists()
    assert not AuditEvent.objects.filter(action="backup_policy.update").exists()


def test_only_the_system_administrator_changes_the_policy(make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SECURITY_ADMIN, unit="head"))
    assert (
        client.post(
            "/security/backups/policy/",
            {"keep_count": 3, "keep_days": 10, "rpo_target_minutes": 30, "rto_target_minutes": 120},
        ).status_code
        == 403
    )
    api = client.post(
        "/api/v1/backups/policy", json.dumps({"keep_count": 5}), content_type="application/json"
    )
    assert api.status_code == 403
    assert not BackupPolicy.objects.exclude(keep_count=7).exists()


def test_the_backup_page_and_lists_take_the_same_queries_for_one_or_many(make_user: Any, login_client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))
    make_restore_test()

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ("/security/backups/", "/api/v1/backups", "/api/v1/backups/restore-tests", "/api/v1/access-reviews")
    for url in urls:
        count(url)  # the first request warms per-process caches
    few = {url: count(url) for url in urls}
    for _ in range(5):
        make_restore_test(ok=False)
    assert {url: count(url) for url in urls} == few
