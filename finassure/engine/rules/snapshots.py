"""Compiled-SQL snapshots of every built-in rule per dialect (``python -m finassure.engine.rules.snapshots``).

Runs read a built-in rule's SQL from here instead of compiling it while the snapshots are current
(:func:`finassure.engine.rules.snapshot_sql`); ``_source.sha256.txt`` records the code they were compiled from.
"""

from __future__ import annotations

import sys
from pathlib import Path

from finassure.engine.rules import (
    DIALECTS,
    SNAPSHOT_DIR,
    SNAPSHOT_SOURCE,
    compile_sql,
    load_rules,
    source_digest,
)


def snapshot_path(rule_id: str, dialect: str) -> Path:
    return SNAPSHOT_DIR / f"{rule_id}.{dialect}.sql"


def stale() -> list[str]:
    """Snapshot files that differ from what the rules compile to now (compiled afresh, not read back)."""
    out = []
    for rule in load_rules():
        for dialect in DIALECTS:
            p = snapshot_path(rule.id, dialect)
            if not p.exists() or p.read_text("utf-8") != compile_sql(rule, dialect, fresh=True):
                out.append(p.name)
    if not SNAPSHOT_SOURCE.exists() or SNAPSHOT_SOURCE.read_text("utf-8").strip() != source_digest():
        out.append(SNAPSHOT_SOURCE.name)
    return out


def write_all() -> int:
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    n = 0
    for rule in load_rules():
        for dialect in DIALECTS:
            snapshot_path(rule.id, dialect).write_text(compile_sql(rule, dialect, fresh=True), "utf-8")
            n += 1
    SNAPSHOT_SOURCE.write_text(source_digest() + "\n", "utf-8")
    return n


if __name__ == "__main__":
    print(f"wrote {write_all()} snapshots to {SNAPSHOT_DIR}", file=sys.stderr)
