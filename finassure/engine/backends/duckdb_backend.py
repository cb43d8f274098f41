"""DuckDB backend: an in-process connection with the input registered as ``transactions``."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from finassure.engine.rules.common import TABLE_NAME


class DuckDBBackend:
    dialect = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        self.con = duckdb.connect(":memory:")
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
