"""Reading and checking a framework library file (YAML). A bad file is refused whole, with file, line and reason."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from finassure.accounts.roles import Role
from finassure.framework import registry
from finassure.framework.catalogue import COMPUTATIONS, RETIRED_COMPUTATIONS
from finassure.platform.errors import ValidationFailed

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
DEFAULT_LIBRARY = LIBRARY_DIR / "assurance-v2.yaml"

UNITS = ("percent", "hours", "count", "score", "flag")
DIRECTIONS = ("higher", "lower")
PERIODS = ("month", "quarter", "half", "year")
SECTIONS = ("measure", "execution", "monitoring", "resources")
# the range a value can take, by unit, unless the indicator says otherwise
UNIT_RANGE: dict[str, tuple[float | None, float | None]] = {
    "percent": (0, 100), "score": (0, 100), "flag": (0, 1), "count": (0, None), "hours": (0, None),
}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")

STR, INT, NUM, OPT_NUM, LIST = "text", "integer", "number", "number or null", "list"
def _word(key: str) -> str:
    """A kind of value or a part of a library, as the messages name it, in the current language."""
    return {
        STR: pgettext("library file", "text"), INT: pgettext("library file", "integer"),
        NUM: pgettext("library file", "number"), OPT_NUM: pgettext("library file", "number or null"),
        LIST: pgettext("library file", "list"), "mapping": pgettext("library file", "mapping"),
        "library": pgettext("library file", "library"), "measure": pgettext("library file", "measure"),
        "indicator": pgettext("library file", "indicator"), "obligation": pgettext("library file", "obligation"),
    }[key]
_TOP = {"library": (STR, True), "version": (INT, True), "title": (STR, True), "title_en": (STR, False),
        "measures": (LIST, True)}
_MEASURE = {"id": (STR, True), "number": (STR, True), "section": (STR, False), "name": (STR, True),
            "name_en": (STR, True), "description": (STR, False), "description_en": (STR, False),
            "responsible_role": (STR, True), "indicators": (LIST, False), "obligations": (LIST, False)}
_INDICATOR = {"id": (STR, True), "name": (STR, True), "name_en": (STR, True), "description": (STR, False),
              "description_en": (STR, False), "unit": (STR, True), "direction": (STR, True), "target": (NUM, True),
              "amber": (NUM, False), "minimum": (OPT_NUM, False), "maximum": (OPT_NUM, False),
              "period": (STR, True), "computation": (STR, True), "target_note": (STR, False)}
_OBLIGATION = {"id": (STR, True), "name": (STR, True), "name_en": (STR, True), "description": (STR, False),
               "description_en": (STR, False), "period": (STR, True), "computation": (STR, True),
               "target_note": (STR, False)}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class LibraryInvalid(ValidationFailed):
    """The library file is refused whole; `problems` say where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = _(" (and %(n)s more)") % {"n": len(problems) - 5} if len(problems) > 5 else ""
        super().__init__(_("The library file was refused: %(problems)s") % {"problems": head} + more,
                         fields={"file": [str(p) for p in problems]})


@dataclass
class Library:
    code: str
    version: int
    title: str
    title_en: str
    checksum: str
    measures: list[dict[str, Any]] = field(default_factory=list)


class _Reader:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | None, reason: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.name, line, reason))

    def scalar(self, node: yaml.Node, kind: str, key: str) -> Any:
        if kind == LIST:
            if not isinstance(node, yaml.SequenceNode):
                self.problem(node, _("'%(key)s' must be a list") % {"key": key})
                return []
            return node.value
        if not isinstance(node, yaml.ScalarNode):
            found = _word(LIST if isinstance(node, yaml.SequenceNode) else "mapping")
            self.problem(node, _("'%(key)s' must be a %(kind)s, not a %(found)s") % {
                "key": key, "kind": _word(kind), "found": found})
            return None
        tag = node.tag.rsplit(":", 1)[-1]
        if kind == OPT_NUM and tag == "null":
            return None
        if kind in (NUM, OPT_NUM):
            if tag in ("int", "float"):
                return float(node.value)
        elif kind == INT:
            if tag == "int":
                return int(node.value)
        elif kind == STR:
            if tag in ("str", "int", "float") and node.value.strip():
                return str(node.value)
            if tag == "str":
                self.problem(node, _("'%(key)s' must not be empty") % {"key": key})
                return None
        self.problem(node, _("'%(key)s' must be a %(kind)s, not %(value)s") % {
            "key": key, "kind": _word(kind), "value": repr(node.value)})
        return None

    def mapping(self, node: yaml.Node, schema: dict[str, tuple[str, bool]], what: str) -> dict[str, Any] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, _("each %(part)s must be a mapping of keys to values") % {"part": _word(what)})
            return None
        result: dict[str, Any] = {"_line": node.start_mark.line + 1}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                self.problem(key_node, _("key '%(key)s' is given twice in this %(part)s") % {
                    "key": key, "part": _word(what)})
                continue
            seen.add(key)
            if key not in schema:
                self.problem(key_node, _("unknown key '%(key)s' in a %(part)s (allowed: %(allowed)s)") % {
                    "key": key, "part": _word(what), "allowed": ", ".join(schema)})
                continue
            result[key] = self.scalar(value_node, schema[key][0], key)
            result[f"_{key}_node"] = value_node
        for key, (_kind, required) in schema.items():
            if required and key not in seen:
                self.problem(node, _("the %(part)s has no '%(key)s'") % {"part": _word(what), "key": key})
        return result


def _choice(reader: _Reader, item: dict[str, Any], key: str, choices: tuple[str, ...]) -> None:
    value = item.get(key)
    if value is not None and value not in choices:
        reader.problem(item.get(f"_{key}_node"), _("'%(key)s' must be one of %(choices)s, not %(value)s") % {
            "key": key, "choices": ", ".join(choices), "value": repr(value)})


def _known_computation(name: str) -> bool:
    return name in COMPUTATIONS or name in RETIRED_COMPUTATIONS or registry.get(name) is not None


def _check_indicator(reader: _Reader, item: dict[str, Any], obligation: bool) -> None:
    if obligation:
        item.update(kind="obligation", unit="flag", direction="higher", target=1.0, amber=0.0)
    item.setdefault("amber", 0.0)
    item["kind"] = "obligation" if obligation else "indicator"
    _choice(reader, item, "unit", UNITS)
    _choice(reader, item, "direction", DIRECTIONS)
    _choice(reader, item, "period", PERIODS)
    name = item.get("computation")
    if name is not None and not _known_computation(name):
        reader.problem(item.get("_computation_node"), _("unknown computation '%(name)s'") % {"name": name})
    low, high = UNIT_RANGE.get(item.get("unit") or "", (None, None))
    if "minimum" in item:
        low = item["minimum"]
    if "maximum" in item:
        high = item["maximum"]
    item["minimum"], item["maximum"] = low, high
    target, amber = item.get("target"), item.get("amber")
    if isinstance(amber, float) and amber < 0:
        reader.problem(item.get("_amber_node"), _("'amber' must not be negative"))
    if isinstance(target, float) and not in_range(target, low, high):
        reader.problem(item.get("_target_node"), _("target %(target)s is outside the indicator's range %(low)s–%(high)s")
                       % {"target": f"{target:g}", "low": _fmt(low), "high": _fmt(high)})


def _fmt(value: float | None) -> str:
    return "…" if value is None else f"{value:g}"


def in_range(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def parse(text: str, name: str = "<library>") -> Library:
    """Check a library file's text; raise LibraryInvalid listing every problem, or return the library."""
    reader = _Reader(name)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise LibraryInvalid([Problem(name, (mark.line + 1) if mark else 1,
                                      _("not valid YAML: %(problem)s") % {"problem": exc.problem})]) from None
    if root is None:
        raise LibraryInvalid([Problem(name, 1, _("the file is empty"))])
    top = reader.mapping(root, _TOP, "library")
    library = Library(code="", version=0, title="", title_en="", checksum=hashlib.sha256(text.encode()).hexdigest())
    if top is None:
        raise LibraryInvalid(reader.problems)
    library.code, library.version = top.get("library") or "", top.get("version") or 0
    library.title, library.title_en = top.get("title") or "", top.get("title_en") or ""
    if top.get("version") is not None and top["version"] < 1:
        reader.problem(top.get("_version_node"), _("'version' must be 1 or more"))
    ids: dict[str, int] = {}

    def claim(item: dict[str, Any], what: str) -> None:
        ident = item.get("id")
        if ident is None:
            return
        if not _ID.match(ident):
            reader.problem(item.get("_id_node"), _("id '%(id)s' must be lower-case letters, digits and hyphens") % {
                "id": ident})
        elif ident in ids:
            reader.problem(item.get("_id_node"), _("duplicate id '%(id)s' (first used on line %(line)s)") % {
                "id": ident, "line": ids[ident]})
        else:
            ids[ident] = item["_id_node"].start_mark.line + 1

    for measure_node in top.get("measures") or []:
        measure = reader.mapping(measure_node, _MEASURE, "measure")
        if measure is None:
            continue
        claim(measure, "measure")
        measure.setdefault("section", "measure")
        _choice(reader, measure, "section", SECTIONS)
        _choice(reader, measure, "responsible_role", tuple(Role.values))
        measure["items"] = []
        for key, schema, obligation in (("indicators", _INDICATOR, False), ("obligations", _OBLIGATION, True)):
            for node in measure.get(key) or []:
                item = reader.mapping(node, schema, "obligation" if obligation else "indicator")
                if item is None:
                    continue
                claim(item, key)
                _check_indicator(reader, item, obligation)
                measure["items"].append(item)
        library.measures.append(measure)
    if not library.measures and not reader.problems:
        reader.problem(root, _("the library has no measures"))
    if reader.problems:
        raise LibraryInvalid(reader.problems)
    return library


def read(path: Path | str) -> Library:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryInvalid([Problem(path.name, 1, _("cannot read the file: %(error)s") % {"error": exc})]) from None
    return parse(text, path.name)
