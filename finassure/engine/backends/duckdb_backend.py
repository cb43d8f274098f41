"""DuckDB backend: an in-process connection with the input registered as ``transactions``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd
import pyarrow as pa

from finassure.engine.rules.common import TABLE_NAME

#: DuckDB's working memory per connection (the input's Arrow buffers come on top); FINASSURE_DUCKDB_MEMORY overrides
MEMORY_LIMIT = os.environ.get("FINASSURE_DUCKDB_MEMORY", "2GB")


class MemoryLimitExceeded(RuntimeError):
    """DuckDB needed more working memory than its limit allows; the message names the step and the setting."""


@contextmanager
def memory_limit_guard(step: str, rows: int) -> Iterator[None]:
    """Turn DuckDB's out-of-memory error inside ``step`` into :class:`MemoryLimitExceeded` with the remedy.

    DuckDB spills most joins and aggregates to disk beyond its limit, but not everything (the model's feature
    query keeps its shared intermediate results in memory: ≈ 0.6 GB at 5M rows, > 1.8 GB at 20M rows).
    """
    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MemoryLimitExceeded(
            f"DuckDB ran out of its working memory in {step} over {rows:,} transactions "
            f"(limit {MEMORY_LIMIT}, set by FINASSURE_DUCKDB_MEMORY): {first}. Raise FINASSURE_DUCKDB_MEMORY "
            "(a 20M-row run with the model needed 8GB) and run again into the same output folder: the rule "
            "results already written there are kept and not computed again."
        ) from exc


class DuckDBBackend:
    dialect = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = MEMORY_LIMIT) -> None:
        self.con = duckdb.connect(":memory:")
        if memory_limit:  # beyond it DuckDB spills joins and aggregates to a temp dir instead of growing
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET TimeZone = 'UTC'")
        # ibis 12 emits ``x -> …`` lambdas (array functions), which DuckDB 2.0 rejects unless re-enabled
        self.con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")

    def load(self, table: pa.Table) -> None:
        self._table = table  # keep the Arrow buffers alive while registered
        self.con.register(TABLE_NAME, table)

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).df()

    def query_arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).fetch_arrow_table()

    def close(self) -> None:
        self.con.close()
