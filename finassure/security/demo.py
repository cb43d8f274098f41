"""Demo vulnerability scans of 示例银行: a container-image scan (Trivy JSON) half a year ago and an internal-network
scan re-tested last month (generic CSV), imported through the same importer users use; last, a backup of the
seeded demo with its restore test."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from finassure.platform import demo
from finassure.security import services
from finassure.security.models import Scan


def _trivy_report(when: dt.datetime) -> bytes:
    def vuln(vid: str, pkg: str, installed: str, fixed: str, score: float, severity: str, title: str) -> dict[str, Any]:
        return {"VulnerabilityID": vid, "PkgName": pkg, "InstalledVersion": installed, "FixedVersion": fixed,
                "SeveritySource": "nvd", "Title": title, "Severity": severity,
                "CVSS": {"nvd": {"V3Score": score}}}

    return json.dumps({
        "SchemaVersion": 2, "CreatedAt": when.isoformat(), "ArtifactName": "registry.demo-bank.example/ebank-web:3.8.2",
        "ArtifactType": "container_image",
        "Results": [
            {"Target": "registry.demo-bank.example/ebank-web:3.8.2 (debian 12.4)", "Class": "os-pkgs",
             "Type": "debian", "Vulnerabilities": [
                 vuln("CVE-2024-3094", "xz-utils", "5.6.0-0.2", "5.6.1+really5.4.5-1", 10.0, "CRITICAL",
                      "xz: malicious code in distributed source"),
                 vuln("CVE-2023-38545", "curl", "7.88.1-10", "7.88.1-10+deb12u4", 9.8, "CRITICAL",
                      "curl: heap buffer overflow in the SOCKS5 proxy handshake"),
                 vuln("CVE-2023-5678", "openssl", "3.0.11-1", "3.0.13-1", 5.3, "MEDIUM",
                      "openssl: excessive time spent in DH check / generation"),
             ]},
            {"Target": "app/requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Vulnerabilities": [
                vuln("CVE-2023-30861", "flask", "2.2.2", "2.2.5", 7.5, "HIGH",
                     "flask: possible disclosure of permanent session cookie"),
                vuln("CVE-2024-35195", "requests", "2.31.0", "2.32.0", 5.6, "MEDIUM",
                     "requests: certificate verification skipped after the first request"),
            ]},
        ],
    }, ensure_ascii=False).encode()


NETWORK_HEADER = "asset,identifier,title,severity,cvss,cve,port,solution\n"
NETWORK_FIRST = NETWORK_HEADER + (
    "10.8.1.21 (核心交换机),ssh-weak-kex@22/tcp,SSH 弱密钥交换算法,medium,5.3,,22/tcp,禁用 diffie-hellman-group1-sha1\n"
    "10.8.3.15 (OA 服务器),CVE-2021-44228@8080/tcp,Apache Log4j 远程代码执行,critical,10.0,CVE-2021-44228,"
    "8080/tcp,升级 log4j 至 2.17.1\n"
    "10.8.3.40 (文件服务器),CVE-2020-1472@445/tcp,Netlogon 权限提升 (Zerologon),critical,10.0,CVE-2020-1472,"
    "445/tcp,安装 2020 年 8 月安全更新\n"
    "10.8.5.7 (打印服务器),tls-1.0@443/tcp,启用了 TLS 1.0,low,3.7,,443/tcp,仅保留 TLS 1.2 及以上\n"
)
NETWORK_RETEST = NETWORK_HEADER + (
    "10.8.1.21 (核心交换机),ssh-weak-kex@22/tcp,SSH 弱密钥交换算法,medium,5.3,,22/tcp,禁用 diffie-hellman-group1-sha1\n"
    "10.8.3.40 (文件服务器),CVE-2020-1472@445/tcp,Netlogon 权限提升 (Zerologon),critical,10.0,CVE-2020-1472,"
    "445/tcp,安装 2020 年 8 月安全更新\n"
    "10.8.6.12 (视频监控平台),CVE-2017-7921@80/tcp,海康威视摄像头认证绕过,critical,10.0,CVE-2017-7921,80/tcp,"
    "升级固件并隔离网段\n"
)


@demo.step(75, "security")
def seed_security(ctx: dict[str, Any]) -> None:
    institution, units, users = ctx["institution"], ctx["units"], ctx["users"]
    if Scan.objects.filter(org_unit__institution=institution).exists():
        return
    officer = users["secofficer"]
    now = timezone.now()
    image_at = now - dt.timedelta(days=170)
    services.scan_import(actor=officer, org_unit=units["it"], file_name="ebank-web-3.8.2.trivy.json",
                         data=_trivy_report(image_at), scope="网银前端容器镜像", now=image_at + dt.timedelta(hours=1))
    first_at = now - dt.timedelta(days=100)
    services.scan_import(actor=officer, org_unit=units["head-office"], file_name="内网季度扫描-第一次.csv",
                         data=NETWORK_FIRST.encode(), scope="总行办公网 10.8.0.0/16", name="总行办公网季度漏洞扫描",
                         scanned_at=first_at, now=first_at)
    retest_at = now - dt.timedelta(days=20)
    services.scan_import(actor=officer, org_unit=units["head-office"], file_name="内网季度扫描-复测.csv",
                         data=NETWORK_RETEST.encode(), scope="总行办公网 10.8.0.0/16", name="总行办公网漏洞复测",
                         scanned_at=retest_at, is_retest=True, now=retest_at)


@demo.step(99, "security-backup")
def seed_backup(ctx: dict[str, Any]) -> None:
    """Last of all: a backup of the seeded demo and its restore test, so the RPO/RTO page has a verified point."""
    from django.db import connection

    from finassure.security import backups
    from finassure.security.models import RestoreTest

    if RestoreTest.objects.filter(ok=True).exists() or connection.in_atomic_block:
        return  # a backup is of committed data: inside a transaction (a test) there is nothing to back up yet
    run = backups.backup_create()
    if run.succeeded:
        backups.restore_test_run(run=run)
