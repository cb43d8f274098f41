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
