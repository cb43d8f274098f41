"""DuckDB backend: an in-process connection with the input registered as ``transactions``."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from finassure.engine.i18n import _
from finassure.engine.rules.common import TABLE_NAME
from finassure.engine.schema import RUN_COLUMNS

#: DuckDB's working memory per connection (the input's Arrow buffers come on top); FINASSURE_DUCKDB_MEMORY overrides
MEMORY_LIMIT = os.environ.get("FINASSURE_DUCKDB_MEMORY", "2GB")


def spill_directory() -> Path:
    """A folder of this connection's own for DuckDB to spill to, inside ``FINASSURE_DUCKDB_TEMP`` or the system's.

    DuckDB's default for an in-memory connection is ``./.tmp`` in the caller's working directory, shared by
    every run and test worker started there. The folder is not created here: DuckDB creates it when it first
    spills and removes it when the connection closes (a killed process leaves it in the temp folder).
    """
    parent = os.environ.get("FINASSURE_DUCKDB_TEMP") or tempfile.gettempdir()
    return Path(parent) / f"finassure-duckdb-{os.getpid()}-{uuid.uuid4().hex[:12]}"


def connect(threads: int | None = 2, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with its own spill folder (:func:`spill_directory`), UTC and ``threads``."""
    config: dict[str, str | int | bool | list[str] | float] = {"temp_directory": str(spill_directory())}
    if threads:
        config["threads"] = int(threads)
    if memory_limit:  # beyond it DuckDB spills joins and aggregates to the spill folder instead of growing
        config["memory_limit"] = memory_limit
    return duckdb.connect(":memory:", config=config)


class MemoryLimitExceeded(RuntimeError):
    """DuckDB needed more working memory than its limit allows; the message names the step and the setting."""


@contextmanager
def memory_limit_guard(step: str, rows: int) -> Iterator[None]:
    """Turn DuckDB's out-of-memory error inside ``step`` into :class:`MemoryLimitExceeded` with the remedy.

    DuckDB spills joins, aggregates, sorts and temp tables to disk beyond its limit, but an operator that
    needs more than the limit at once still fails (a 20M-row run passes at the default 2GB since the model's
    features are staged, :func:`staged_statements`; far larger inputs or tiny limits can still hit it).
    """
    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MemoryLimitExceeded(_(
            "DuckDB ran out of its working memory in {step} over {rows:,} transactions (limit {limit}, set by "
            "FINASSURE_DUCKDB_MEMORY): {error}. Raise FINASSURE_DUCKDB_MEMORY and run again into the same output "
            "folder: the rule results already written there are kept and not computed again."
        ).format(step=step, rows=rows, limit=MEMORY_LIMIT, error=first)) from exc


_CTE_HEAD = re.compile(r"\s*(\w+) AS \(")
_TABLE_REF = re.compile(r"\b(FROM|JOIN)\s+(\w+)\b(?=(?:\s+(\w+))?)")
_NOT_ALIAS = {"ON", "JOIN", "WHERE", "GROUP", "CROSS", "LEFT", "RIGHT", "INNER", "FULL", "OUTER", "NATURAL", "SEMI",
              "ANTI", "ASOF", "POSITIONAL", "UNION", "EXCEPT", "INTERSECT", "ORDER", "LIMIT", "HAVING", "USING",
              "WINDOW", "QUALIFY"}


def split_ctes(sql: str) -> tuple[list[tuple[str, str]], str]:
    """``WITH a AS (…), b AS (…) SELECT …`` → ([(a, body), (b, body)], final SELECT); parentheses must balance."""
    body = sql.strip()
    if not body.upper().startswith("WITH "):
        raise ValueError("not a WITH query")
    ctes: list[tuple[str, str]] = []
    i = 5
    while (m := _CTE_HEAD.match(body, i)) is not None:
        j, depth = m.end(), 1
        while depth:
            if j >= len(body):
                raise ValueError(f"unbalanced parentheses in CTE {m.group(1)!r}")
            depth += {"(": 1, ")": -1}.get(body[j], 0)
            j += 1
        ctes.append((m.group(1), body[m.end():j - 1]))
        rest = body[j:].lstrip()
        if not rest.startswith(","):
            return ctes, rest
        i = len(body) - len(rest) + 1
    raise ValueError("no CTE found after WITH")


def staged_statements(sql: str, prefix: str) -> tuple[list[tuple[str, str, list[str]]], str]:
    """A WITH query as one ``CREATE TEMP TABLE {prefix}{cte}`` per CTE, in order, and the final SELECT over them.

    Why: DuckDB keeps a single statement's materialised CTEs and the build sides of a pipeline's hash joins in
    memory together, so one large statement can fail at the memory limit where the same work as separate
    statements spills to disk (temp tables and each statement's joins and aggregates do). Every reference
    ``FROM cte`` / ``JOIN cte`` becomes ``{prefix}cte AS cte`` (or keeps its own alias), so column references
    are unchanged. Each statement comes with the staged tables it is the last to read, for dropping early.
    Only references after FROM or JOIN are renamed: a CTE read through a comma join is not supported.
    """
    ctes, final = split_ctes(sql)
    names = {n for n, _ in ctes}

    def rename(text: str) -> str:
        def ref(m: re.Match[str]) -> str:
            keyword, name, nxt = m.group(1), m.group(2), m.group(3)
            if name not in names:
                return m.group(0)
            aliased = nxt is not None and (nxt.upper() == "AS" or nxt.upper() not in _NOT_ALIAS)
            return f"{keyword} {prefix}{name}" + ("" if aliased else f" AS {name}")
        return _TABLE_REF.sub(ref, text)

    bodies = [rename(b) for _, b in ctes] + [rename(final)]
    last: dict[str, int] = {}
    for k, text in enumerate(bodies):
        for n in names:
            if re.search(rf"\b{prefix}{n}\b", text):
                last[n] = k
    stmts = [(n, f"CREATE OR REPLACE TEMP TABLE {prefix}{n} AS {bodies[k]}",
              [prefix + d for d, at in last.items() if at == k and d != n]) for k, (n, _) in enumerate(ctes)]
    return stmts, bodies[-1]


class DuckDBBackend:
    dialect = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = MEMORY_LIMIT) -> None:
        self.con = connect(threads, memory_limit)
        self.con.execute("SET TimeZone = 'UTC'")
        # ibis 12 emits ``x -> …`` lambdas (array functions), which DuckDB 2.0 rejects unless re-enabled
        self.con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")

    _table: pa.Table | None = None

    def load(self, table: pa.Table) -> None:
        self._table = table  # keep the Arrow buffers alive while registered
        self.con.register(TABLE_NAME, table)

    def load_files(self, files: list[Path]) -> None:
        """Copy stored-schema Parquet files (:data:`RUN_COLUMNS`) into a DuckDB temp table ``transactions``.

        Unlike an Arrow table, the temp table lives inside DuckDB's memory limit and spills to disk beyond
        it, so the input may be larger than memory. Row order is the files' order, then each file's.
        """
        cols = ", ".join(f'"{c}"' for c in RUN_COLUMNS)
        self.con.execute(f"CREATE TEMP TABLE {TABLE_NAME} AS SELECT {cols} FROM read_parquet($files)",  # noqa: S608
                         {"files": [str(f) for f in files]})

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).df()

    def query_arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).fetch_arrow_table()

    def close(self) -> None:
        self.con.close()
        self._table = None  # the caller may drop the input now
