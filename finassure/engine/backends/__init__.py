"""Thin execution backends: bind the ``transactions`` table and run compiled SQL (DuckDB or Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

BACKENDS = ("duckdb", "spark")


class Backend(Protocol):
    dialect: str

    def load(self, table: pa.Table) -> None: ...

    def load_files(self, files: list[Path]) -> None: ...

    def query(self, sql: str) -> pd.DataFrame: ...

    def close(self) -> None: ...


def get_backend(name: str, **options: Any) -> Backend:
    """``duckdb`` (default, embedded) or ``spark`` (``master=`` any Spark master URL, or ``session=``)."""
    if name == "duckdb":
        from finassure.engine.backends.duckdb_backend import DuckDBBackend

        return DuckDBBackend(threads=options.get("threads"))
    if name == "spark":
        from finassure.engine.backends.spark_backend import SparkBackend

        return SparkBackend(session=options.get("session"), master=options.get("master") or "local[2]")
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
