"""PySpark backend: any master URL; the input is written once to Parquet and read as a temp view."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from finassure.engine.rules.common import TABLE_NAME


def make_session(master: str = "local[2]", app: str = "finassure-engine") -> Any:
    """A SparkSession tuned for small local runs (UTC session time zone, no UI, few shuffle partitions)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master).appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


class SparkBackend:
    dialect = "pyspark"

    def __init__(self, session: Any = None, master: str = "local[2]") -> None:
        self._owns = session is None
        self.spark = session or make_session(master)
        self._tmp = Path(tempfile.mkdtemp(prefix="finassure-spark-"))

    def load(self, table: pa.Table) -> None:
        path = self._tmp / "transactions.parquet"
        pq.write_table(table, path)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(TABLE_NAME)

    def load_files(self, files: list[Path]) -> None:
        """Bind stored-schema Parquet files (their :data:`RUN_COLUMNS`) where they lie: nothing is copied."""
        from finassure.engine.schema import RUN_COLUMNS

        self.spark.read.parquet(*[str(f) for f in files]).select(*RUN_COLUMNS).createOrReplaceTempView(TABLE_NAME)

    def load_path(self, path: str) -> None:
        """Bind a Parquet file or dataset Spark can read (local, HDFS, S3) without copying it."""
        self.spark.read.parquet(path).createOrReplaceTempView(TABLE_NAME)

    def query(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
        if self._owns:
            self.spark.stop()
