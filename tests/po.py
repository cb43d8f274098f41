"""A small reader of GNU gettext PO files, for the tests that check the catalogues (platform and engine)."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # key -1: singular msgstr
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: enough for the catalogues makemessages writes (header entry included)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = started = True
            continue
        if line.startswith("#,"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            started = True
            target = (keyword, -1 if index is None else int(index))
            text = ""
        else:
            assert line.startswith('"') and target is not None, f"{path}: cannot parse {raw!r}"
            literal = line
            text = _current(entry, target)
        text += ast.literal_eval(literal)
        _store(entry, target, text)
    return entries


def _current(entry: Entry, target: tuple[str, int]) -> str:
    keyword, index = target
    if keyword == "msgstr":
        return entry.msgstr.get(index, "")
    return getattr(entry, keyword) or ""


def _store(entry: Entry, target: tuple[str, int], text: str) -> None:
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] = text
    else:
        setattr(entry, keyword, text)


def messages(path: Path) -> list[Entry]:
    return [e for e in parse_po(path) if e.msgid and not e.obsolete]


def header(path: Path) -> dict[str, str]:
    head = next(e for e in parse_po(path) if e.msgid == "" and e.msgctxt is None)
    return dict(line.split(": ", 1) for line in head.msgstr[-1].splitlines() if ": " in line)


def assert_mo_matches_po(po: Path, mo_path: Path) -> None:
    """The compiled catalogue answers every message of the PO as written, and holds nothing else."""
    with mo_path.open("rb") as fp:
        mo = gettext.GNUTranslations(fp)
    entries = messages(po)
    for e in entries:
        if e.msgid_plural is None:
            got = mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt is not None else mo.gettext(e.msgid)
            assert got == e.msgstr[-1], e.msgid
        else:
            for n in (0, 1, 2, 11):
                if e.msgctxt is not None:
                    got = mo.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                else:
                    got = mo.ngettext(e.msgid, e.msgid_plural, n)
                assert got == e.msgstr[0], e.msgid
    # Nothing stale in the .mo either: it holds exactly the .po's messages (plus the header).
    compiled = {k[0] if isinstance(k, tuple) else k for k in mo._catalog} - {""}  # type: ignore[attr-defined]
    expected = {e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}" for e in entries}
    assert compiled == expected
