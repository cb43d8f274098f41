"""Parsers of vulnerability-scanner reports: Trivy JSON (schema 2, legacy list, Kubernetes), Greenbone/OpenVAS
XML and CSV, Nessus XML (.nessus v2) and CSV (Nessus and Tenable.sc exports), and a generic CSV.

Pure Python; of Django only its gettext, so that every refusal reads in the uploader's language. Each parser returns every finding or raises `ReportRejected` with every error found,
each naming the file and the position (line, row or JSON path) — the caller imports all or nothing.
XML is parsed with defusedxml: entity expansion, external entities and DTDs in an uploaded file are refused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

SEVERITIES = ("critical", "high", "medium", "low", "info")
MAX_ERRORS = 50  # enough to show what is wrong with a file without flooding the page

_LABELS = {
    "critical": "critical", "high": "high", "medium": "medium", "moderate": "medium", "low": "low",
    "info": "info", "informational": "info", "none": "info", "log": "info", "unknown": "info", "debug": "info",
    "false positive": "info",
    # Nessus XML severity attribute
    "4": "critical", "3": "high", "2": "medium", "1": "low", "0": "info",
}


def severity_from_cvss(score: float) -> str:
    """CVSS v3 qualitative rating: 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low, 0 none (info)."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0:
        return "low"
    return "info"


@dataclass(frozen=True)
class Finding:
    """One finding as the scanner reported it, normalised."""

    asset: str
    identifier: str  # stable per asset across scans: CVE + package, NVT OID + port, plugin id + port
    title: str
    severity: str
    cvss: float | None = None
    cves: tuple[str, ...] = ()
    package: str = ""
    port: str = ""
    solution: str = ""
    position: str = ""


@dataclass
class ScanReport:
    tool: str  # "trivy" | "openvas" | "nessus" | "generic"
    findings: list[Finding] = field(default_factory=list)
    name: str = ""
    scanned_at: str = ""  # ISO-8601 text when the report carries it


@dataclass(frozen=True)
class RowError:
    position: str
    message: str

    def __str__(self) -> str:
        return f"{self.position}: {self.message}" if self.position else self.message


def _line(line: int, column: int | None = None) -> str:
    """A position in the uploaded file, in the reader's language."""
    if column is None:
        return _("line %(line)s") % {"line": line}
    return _("line %(line)s, column %(column)s") % {"line": line, "column": column}


class ReportRejected(Exception):
    """The file cannot be imported; `errors` lists each problem with its position."""

    def __init__(self, filename: str, errors: list[RowError]):
        self.filename = filename
        self.errors = errors
        first = "; ".join(str(e) for e in errors[:3])
        more = _(" (and %(n)s more)") % {"n": len(errors) - 3} if len(errors) > 3 else ""
        super().__init__(f"{filename}: {first}{more}")


class _Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.errors: list[RowError] = []

    def add(self, position: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(position, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ReportRejected(self.filename, self.errors)


def _score(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise ValueError(_("CVSS score %(value)s is not a number") % {"value": repr(value)}) from None
    if not 0 <= score <= 10:
        raise ValueError(_("CVSS score %(score)s is outside 0–10") % {"score": score})
    return score


def _label(value: Any) -> str | None:
    return _LABELS.get(str(value or "").strip().lower())


def _severity(score: float | None, label: Any) -> str:
    """Severity from the CVSS score when there is one, else from the scanner's own label."""
    if score is not None:
        return severity_from_cvss(score)
    found = _label(label)
    if found is None:
        raise ValueError(_("unknown severity %(label)s") % {"label": repr(label)})
    return found


def _split_cves(text: str) -> tuple[str, ...]:
    parts = [p.strip() for p in text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",")]
    return tuple(dict.fromkeys(p for p in parts if p.upper().startswith("CVE-")))


# --- detection ----------------------------------------------------------------------------------


def parse(filename: str, data: bytes) -> ScanReport:
    """Detect the format from the content and parse it."""
    text = _decode(filename, data)
    stripped = text.lstrip()
    if not stripped:
        raise ReportRejected(filename, [RowError("", _("the file is empty"))])
    if stripped[0] in "{[":
        return parse_trivy(filename, text)
    if stripped.startswith("<"):
        root_tag = _xml_root_tag(filename, text)
        if root_tag == "NessusClientData_v2":
            return parse_nessus_xml(filename, text)
        if root_tag in {"report", "get_reports_response"}:
            return parse_openvas_xml(filename, text)
        raise ReportRejected(filename, [RowError(_line(1), _("XML root <%(tag)s> is not an OpenVAS or Nessus report") % {"tag": root_tag})])
    header = next(csv.reader(io.StringIO(stripped.splitlines()[0])), [])
    names = {h.strip().lower() for h in header}
    if "nvt oid" in names or "nvt name" in names:
        return parse_openvas_csv(filename, text)
    if names & {"plugin id", "plugin"} and names & {"name", "plugin name"}:
        return parse_nessus_csv(filename, text)
    if {"asset", "identifier"} <= names:
        return parse_generic_csv(filename, text)
    raise ReportRejected(filename, [RowError(_line(1), _(
        "not a recognised report: expected Trivy JSON, OpenVAS or Nessus XML/CSV, or a CSV with asset and "
        "identifier columns"))])


def _decode(filename: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportRejected(filename, [RowError(_("byte %(n)s") % {"n": exc.start}, _("the file is not UTF-8 text"))]) from None


# --- Trivy --------------------------------------------------------------------------------------


def parse_trivy(filename: str, text: str) -> ScanReport:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportRejected(filename, [RowError(_line(exc.lineno, exc.colno),
                                                 _("not valid JSON (%(reason)s); is the file truncated?")
                                                 % {"reason": exc.msg})]) from None
    errors = _Collector(filename)
    report = ScanReport(tool="trivy")
    if isinstance(doc, list):  # legacy layout: a top-level list of results
        results = [(f"[{i}]", r, "") for i, r in enumerate(doc)]
    elif isinstance(doc, dict) and "Results" in doc:
        report.name = str(doc.get("ArtifactName") or "")
        report.scanned_at = str(doc.get("CreatedAt") or "")
        results = [(f"Results[{i}]", r, "") for i, r in enumerate(doc.get("Results") or [])]
    elif isinstance(doc, dict) and ("Resources" in doc or "Vulnerabilities" in doc or "Misconfigurations" in doc):
        report.name = str(doc.get("ClusterName") or "")
        results = []
        for section in ("Resources", "Vulnerabilities", "Misconfigurations"):
            for i, resource in enumerate(doc.get(section) or []):
                if not isinstance(resource, dict):
                    errors.add(f"{section}[{i}]", _("expected an object"))
                    continue
                prefix = "/".join(str(resource.get(k) or "") for k in ("Namespace", "Kind", "Name")).strip("/")
                results += [(f"{section}[{i}].Results[{j}]", r, prefix)
                            for j, r in enumerate(resource.get("Results") or [])]
    else:
        raise ReportRejected(filename, [RowError("", _("JSON is not a Trivy report (no Results)"))])
    for path, result, prefix in results:
        if not isinstance(result, dict):
            errors.add(path, _("expected an object"))
            continue
        target = str(result.get("Target") or "").strip()
        asset = f"{prefix} {target}".strip() if prefix else target
        if not asset:
            errors.add(path, _("Target is missing"))
            continue
        for j, vuln in enumerate(result.get("Vulnerabilities") or []):
            _trivy_vuln(report, errors, f"{path}.Vulnerabilities[{j}]", asset, vuln)
        for j, mis in enumerate(result.get("Misconfigurations") or []):
            _trivy_misconfiguration(report, errors, f"{path}.Misconfigurations[{j}]", asset, mis)
        for j, secret in enumerate(result.get("Secrets") or []):
            _trivy_secret(report, errors, f"{path}.Secrets[{j}]", asset, secret)
    errors.raise_if_any()
    return report


def _trivy_cvss(vuln: dict[str, Any]) -> float | None:
    cvss = vuln.get("CVSS") or {}
    if not isinstance(cvss, dict):
        return None
    preferred = [vuln.get("SeveritySource"), "nvd", *cvss.keys()]
    for source in preferred:
        entry = cvss.get(source) if source else None
        if isinstance(entry, dict):
            for key in ("V3Score", "V40Score", "V2Score"):
                if entry.get(key) not in (None, ""):
                    return _score(entry[key])
    return None


def _trivy_vuln(report: ScanReport, errors: _Collector, path: str, asset: str, vuln: Any) -> None:
    if not isinstance(vuln, dict):
        errors.add(path, _("expected an object"))
        return
    vuln_id = str(vuln.get("VulnerabilityID") or "").strip()
    if not vuln_id:
        errors.add(path, _("VulnerabilityID is missing"))
        return
    try:
        score = _trivy_cvss(vuln)
        severity = _severity(score, vuln.get("Severity"))
    except ValueError as exc:
        errors.add(path, str(exc))
        return
    package = str(vuln.get("PkgName") or "")
    version = str(vuln.get("InstalledVersion") or "")
    fixed = str(vuln.get("FixedVersion") or "")
    report.findings.append(Finding(
        asset=asset, identifier=f"{vuln_id} {package}".strip(), title=str(vuln.get("Title") or vuln_id)[:300],
        severity=severity, cvss=score, cves=_split_cves(vuln_id), package=f"{package} {version}".strip(),
        solution=f"upgrade to {fixed}" if fixed else "", position=path))


def _trivy_misconfiguration(report: ScanReport, errors: _Collector, path: str, asset: str, mis: Any) -> None:
    if not isinstance(mis, dict) or not mis.get("ID"):
        errors.add(path, _("misconfiguration without an ID"))
        return
    if str(mis.get("Status") or "FAIL").upper() != "FAIL":
        return  # passed checks are not findings
    label = _label(mis.get("Severity"))
    if label is None:
        errors.add(path, _("unknown severity %(label)s") % {"label": repr(mis.get("Severity"))})
        return
    report.findings.append(Finding(asset=asset, identifier=str(mis["ID"]), title=str(mis.get("Title") or mis["ID"]),
                                   severity=label, solution=str(mis.get("Resolution") or ""), position=path))


def _trivy_secret(report: ScanReport, errors: _Collector, path: str, asset: str, secret: Any) -> None:
    if not isinstance(secret, dict) or not secret.get("RuleID"):
        errors.add(path, _("secret without a RuleID"))
        return
    label = _label(secret.get("Severity"))
    if label is None:
        errors.add(path, _("unknown severity %(label)s") % {"label": repr(secret.get("Severity"))})
        return
    line = secret.get("StartLine")
    report.findings.append(Finding(asset=asset, identifier=f"secret:{secret['RuleID']}:{line}",
                                   title=str(secret.get("Title") or secret["RuleID"]), severity=label,
                                   solution="remove the secret and rotate it", position=path))


# --- XML (defused) ------------------------------------------------------------------------------


def _xml(filename: str, text: str) -> Any:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        return SafeET.fromstring(text.encode("utf-8"), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ReportRejected(filename, [RowError("", _("refused unsafe XML (%(reason)s)") % {"reason": type(exc).__name__})]) from None
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ReportRejected(filename, [RowError(_line(line, column),
                                                 _("not well-formed XML; is the file truncated? (%(reason)s)")
                                                 % {"reason": exc})]) from None


def _xml_root_tag(filename: str, text: str) -> str:
    return str(_xml(filename, text).tag)


def parse_openvas_xml(filename: str, text: str) -> ScanReport:
    root = _xml(filename, text)
    errors = _Collector(filename)
    report = ScanReport(tool="openvas", name=(root.findtext("name") or root.findtext("task/name") or "").strip())
    report.scanned_at = (root.findtext(".//scan_start") or root.findtext(".//timestamp") or "").strip()
    for i, result in enumerate(root.iter("result")):
        path = f"result {i + 1}" + (f" ({result.get('id')})" if result.get("id") else "")
        nvt = result.find("nvt")
        if nvt is None:
            continue  # nested <result> references inside other elements carry no NVT
        host = (result.findtext("host") or "").strip()
        hostname = (result.findtext("host/hostname") or "").strip()
        if not host:
            errors.add(path, _("host is missing"))
            continue
        oid = (nvt.get("oid") or "").strip()
        name = (result.findtext("name") or nvt.findtext("name") or "").strip()
        if not oid and not name:
            errors.add(path, _("NVT has neither an OID nor a name"))
            continue
        port = (result.findtext("port") or "").strip()
        try:
            score = _score((result.findtext("severity") or "").strip() or nvt.findtext("cvss_base"))
            severity = _severity(score, result.findtext("threat"))
        except ValueError as exc:
            errors.add(path, str(exc))
            continue
        cves = tuple(ref.get("id", "") for ref in nvt.iter("ref") if (ref.get("type") or "").lower() == "cve")
        cves += _split_cves(nvt.findtext("cve") or "")
        asset = f"{host} ({hostname})" if hostname else host
        report.findings.append(Finding(
            asset=asset, identifier=f"{oid or name}@{port}" if port else (oid or name), title=name[:300],
            severity=severity, cvss=score, cves=tuple(dict.fromkeys(c for c in cves if c)), port=port,
            solution=(nvt.findtext("solution") or "").strip()[:2000], position=path))
    errors.raise_if_any()
    return report


def parse_nessus_xml(filename: str, text: str) -> ScanReport:
    root = _xml(filename, text)
    errors = _Collector(filename)
    report_el = root.find("Report")
    report = ScanReport(tool="nessus", name=(report_el.get("name", "") if report_el is not None else ""))
    for h, host in enumerate(root.iter("ReportHost")):
        asset = (host.get("name") or "").strip()
        if not asset:
            errors.add(f"ReportHost {h + 1}", _("host name is missing"))
            continue
        for i, item in enumerate(host.findall("ReportItem")):
            path = f"ReportHost {h + 1} ({asset}), ReportItem {i + 1}"
            plugin = (item.get("pluginID") or "").strip()
            if not plugin:
                errors.add(path, _("pluginID is missing"))
                continue
            port = f"{item.get('port', '0')}/{item.get('protocol', 'tcp')}"
            try:
                score = _score(item.findtext("cvss3_base_score") or item.findtext("cvss_base_score"))
                severity = _severity(score, item.get("severity") if item.get("severity") is not None
                                     else item.findtext("risk_factor"))
            except ValueError as exc:
                errors.add(path, str(exc))
                continue
            cves = tuple(dict.fromkeys((c.text or "").strip() for c in item.findall("cve") if (c.text or "").strip()))
            report.findings.append(Finding(
                asset=asset, identifier=f"nessus:{plugin}@{port}",
                title=(item.get("pluginName") or item.findtext("plugin_name") or plugin)[:300], severity=severity,
                cvss=score, cves=cves, port=port, solution=(item.findtext("solution") or "").strip()[:2000],
                position=path))
    errors.raise_if_any()
    return report


# --- CSV ----------------------------------------------------------------------------------------


def _rows(filename: str, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows keyed by lower-cased header, with the line number each row starts on."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise ReportRejected(filename, [RowError(_line(1), _("unreadable CSV header (%(reason)s)") % {"reason": exc})]) from None
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ReportRejected(filename, [RowError(_line(line), _("unreadable CSV (%(reason)s); is the file truncated?")
                                                     % {"reason": exc})]) from None
        if not values:
            continue
        if len(values) != len(header):
            # Checked before skipping blank rows: a row of empty fields cut short is a truncated file too.
            yield line, {"__width__": _("%(found)s fields where the header has %(expected)s; is the file "
                                        "truncated?") % {"found": len(values), "expected": len(header)}}
            continue
        if not any(v.strip() for v in values):
            continue
        yield line, dict(zip(header, values, strict=True))


def _first(row: dict[str, str], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _csv(filename: str, text: str, tool: str, build: Any) -> ScanReport:
    errors = _Collector(filename)
    report = ScanReport(tool=tool)
    for line, row in _rows(filename, text):
        position = _line(line)
        if "__width__" in row:
            errors.add(position, row["__width__"])
            continue
        try:
            report.findings.append(build(row, position))
        except ValueError as exc:
            errors.add(position, str(exc))
    errors.raise_if_any()
    return report


def parse_openvas_csv(filename: str, text: str) -> ScanReport:
    def build(row: dict[str, str], position: str) -> Finding:
        host = _first(row, "ip", "host")
        if not host:
            raise ValueError(_("IP is missing"))
        hostname = _first(row, "hostname")
        oid = _first(row, "nvt oid")
        name = _first(row, "nvt name")
        if not oid and not name:
            raise ValueError(_("NVT OID and NVT name are missing"))
        port = "/".join(p for p in (_first(row, "port"), _first(row, "port protocol")) if p)
        score = _score(_first(row, "cvss"))
        return Finding(asset=f"{host} ({hostname})" if hostname else host,
                       identifier=f"{oid or name}@{port}" if port else (oid or name), title=name[:300],
                       severity=_severity(score, _first(row, "severity")), cvss=score,
                       cves=_split_cves(_first(row, "cves")), port=port, solution=_first(row, "solution")[:2000],
                       position=position)

    return _csv(filename, text, "openvas", build)


def parse_nessus_csv(filename: str, text: str) -> ScanReport:
    def build(row: dict[str, str], position: str) -> Finding:
        host = _first(row, "host", "ip address", "dns name", "netbios name")
        if not host:
            raise ValueError(_("host is missing"))
        plugin = _first(row, "plugin id", "plugin")
        if not plugin:
            raise ValueError(_("plugin id is missing"))
        port = "/".join(p for p in (_first(row, "port"), _first(row, "protocol").lower()) if p)
        score = _score(_first(row, "cvss v3.0 base score", "cvss v3 base score", "cvss v2.0 base score",
                              "cvss v2 base score", "cvss"))
        return Finding(asset=host, identifier=f"nessus:{plugin}@{port}" if port else f"nessus:{plugin}",
                       title=_first(row, "name", "plugin name", "synopsis")[:300],
                       severity=_severity(score, _first(row, "risk", "severity", "risk factor")), cvss=score,
                       cves=_split_cves(_first(row, "cve")), port=port, solution=_first(row, "solution")[:2000],
                       position=position)

    return _csv(filename, text, "nessus", build)


def parse_generic_csv(filename: str, text: str) -> ScanReport:
    """asset, identifier, title, severity, cvss, cve, package, port, solution (the last six optional)."""

    def build(row: dict[str, str], position: str) -> Finding:
        asset, identifier = _first(row, "asset"), _first(row, "identifier")
        if not asset or not identifier:
            raise ValueError(_("asset and identifier are required"))
        score = _score(_first(row, "cvss"))
        label = _first(row, "severity")
        if score is None and not label:
            raise ValueError(_("give a severity or a CVSS score"))
        return Finding(asset=asset, identifier=identifier, title=_first(row, "title") or identifier,
                       severity=_severity(score, label), cvss=score, cves=_split_cves(_first(row, "cve")),
                       package=_first(row, "package"), port=_first(row, "port"), solution=_first(row, "solution"),
                       position=position)

    return _csv(filename, text, "generic", build)


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (asset, identifier): a report listing the same finding twice keeps the most severe."""
    best: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.asset, finding.identifier)
        current = best.get(key)
        if current is None or SEVERITIES.index(finding.severity) < SEVERITIES.index(current.severity):
            best[key] = finding
    return list(best.values())
