"""Scanner report copies shipped with the tests, and builders of security records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from finassure.security.models import Scan, Vulnerability

DATA = Path(__file__).parent / "data"


def report(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make_vulnerability(unit: Any, *, severity: str = "high", **fields: Any) -> Vulnerability:
    from finassure.accounts.models import User

    user = User.objects.filter(org_unit__institution=unit.institution).first()
    if user is None:
        user = User.objects.create_user(username=f"imp-{unit.pk}-{Scan.objects.count()}", org_unit=unit)
    now = fields.setdefault("first_seen_at", timezone.now())
    fields.setdefault("last_seen_at", now)
    scan = Scan.objects.create(org_unit=unit, name="季度扫描", scope="核心系统", tool="generic", scanned_at=now,
                               file_name="x.csv", sha256=f"{Scan.objects.count():064d}", imported_by=user)
    fields.setdefault("identifier", f"CVE-2024-{Vulnerability.objects.count() + 1000}")
    return Vulnerability.objects.create(org_unit=unit, asset=fields.pop("asset", "10.0.0.1"), title="OpenSSL 漏洞",
                                        severity=severity, first_scan=scan,
                                        last_scan=scan, **fields)


def make_access_review(unit: Any) -> Any:
    import datetime as dt

    from finassure.accounts.models import User
    from finassure.security.models import AccessReview

    user = User.objects.filter(org_unit__institution=unit.institution).first()
    if user is None:
        user = User.objects.create_user(username=f"rev-{unit.pk}-{AccessReview.objects.count()}", org_unit=unit)
    return AccessReview.objects.create(org_unit=unit, title="2026 年上半年权限复核", source="platform", reviewer=user,
                                       due_on=timezone.localdate() + dt.timedelta(days=14), created_by=user)


def make_restore_test(*, ok: bool = True, hours_ago: float = 2, seconds: float = 42.0) -> Any:
    """A recorded backup and its restore test (no file: for pages and the API)."""
    import datetime as dt

    from finassure.security.models import BackupRun, RestoreTest

    started = timezone.now() - dt.timedelta(hours=hours_ago)
    run = BackupRun.objects.create(started_at=started, status="succeeded", engine="sqlite",
                                   file_name=f"finassure-sqlite-{BackupRun.objects.count()}.backup", sha256="a" * 64,
                                   size=1024, table_count=2, row_count=7, row_counts={"accounts_user": 3,
                                                                                       "platform_auditevent": 4})
    found = 4 if ok else 3
    return RestoreTest.objects.create(
        backup=run, file_name=run.file_name, started_at=started + dt.timedelta(minutes=5), ok=ok,
        duration_seconds=seconds, restore_seconds=seconds / 2, engine="sqlite", scratch="/tmp/x.sqlite3",
        table_count=2, rows_expected=7, rows_restored=3 + found, mismatch_count=0 if ok else 1,
        row_comparison={"accounts_user": [3, 3], "platform_auditevent": [4, found]}, chain_ok=True, chain_checked=found,
        reason="" if ok else "row counts differ from the manifest in 1 tables (platform_auditevent: expected 4, found 3)")
