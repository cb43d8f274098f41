"""Compiled-SQL snapshots of every built-in rule per dialect (``python -m finassure.engine.rules.snapshots``)."""

from __future__ import annotations

import sys
from pathlib import Path

from finassure.engine.rules import DIALECTS, compile_sql, load_rules

SNAPSHOT_DIR = Path(__file__).parent / "sql"


def snapshot_path(rule_id: str, dialect: str) -> Path:
    return SNAPSHOT_DIR / f"{rule_id}.{dialect}.sql"


def stale() -> list[str]:
    """Snapshot files that differ from what the rules compile to now."""
    out = []
    for rule in load_rules():
        for dialect in DIALECTS:
            p = snapshot_path(rule.id, dialect)
            if not p.exists() or p.read_text("utf-8") != compile_sql(rule, dialect):
                out.append(p.name)
    return out


def write_all() -> int:
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    n = 0
    for rule in load_rules():
        for dialect in DIALECTS:
            snapshot_path(rule.id, dialect).write_text(compile_sql(rule, dialect), "utf-8")
            n += 1
    return n


if __name__ == "__main__":
    print(f"wrote {write_all()} snapshots to {SNAPSHOT_DIR}", file=sys.stderr)
