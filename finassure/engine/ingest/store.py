"""Date-partitioned Parquet transaction store, idempotent by txn_id, with a quarantine beside it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from finassure.engine.schema import DICTIONARY_COLUMNS, RUN_COLUMNS, RUN_SCHEMA, STORED_SCHEMA


def input_memory_pool() -> pa.MemoryPool:
    """Where a run's input table is allocated: jemalloc where pyarrow has it, else the system allocator.

    Not pyarrow's default (mimalloc): after reading the 5M-row store, mimalloc held 1.34 GB resident for a
    726 MB table, jemalloc 0.98 GB, and the read took 1.2–1.8 s against 0.9–1.0 s.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # pyarrow builds without jemalloc (Windows)
        return pa.system_memory_pool()


class TransactionStore:
    """``root/date=YYYY-MM-DD/part-<hash>.parquet`` plus ``root/_quarantine/*.jsonl``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @staticmethod
    def is_store(path: Path) -> bool:
        return path.is_dir() and any(path.glob("date=*/*.parquet"))

    def files(self) -> list[Path]:
        return sorted(self.root.glob("date=*/*.parquet"))

    def existing_ids(self) -> pa.Array:
        files = self.files()
        if not files:
            return pa.array([], type=pa.string())
        ids = ds.dataset([str(f) for f in files], format="parquet", schema=STORED_SCHEMA).to_table(
            columns=["txn_id"]).column("txn_id")
        return ids.combine_chunks()

    def read(self, *, as_run: bool = False) -> pa.Table:
        """Every stored row; ``as_run`` as a run holds it (:data:`RUN_SCHEMA`).

        That is without ``attributes``, and with :data:`DICTIONARY_COLUMNS` read as the dictionaries Parquet
        already stores them as, skipping building the strings: at 5M rows 0.57 GB instead of 0.92 GB.
        """
        files = self.files()
        if not files:
            return (RUN_SCHEMA if as_run else STORED_SCHEMA).empty_table()
        if not as_run:
            return ds.dataset([str(f) for f in files], format="parquet", schema=STORED_SCHEMA).to_table()
        fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(DICTIONARY_COLUMNS)))
        schema = pa.schema([RUN_SCHEMA.field(f.name) if f.name in RUN_COLUMNS else f for f in STORED_SCHEMA])
        return ds.dataset([str(f) for f in files], format=fmt, schema=schema).to_table(
            columns=list(RUN_COLUMNS), memory_pool=input_memory_pool())

    def new_rows(self, table: pa.Table, known: pa.Array) -> pa.Table:
        """Rows of ``table`` whose txn_id is not in ``known``."""
        if len(known) == 0 or table.num_rows == 0:
            return table
        return table.filter(pc.invert(pc.is_in(table.column("txn_id"), value_set=known)))

    def write(self, table: pa.Table) -> int:
        """Write rows into date partitions; file names hash the ids, so a retried write replaces itself."""
        if table.num_rows == 0:
            return 0
        table = table.sort_by([("local_date", "ascending"), ("txn_id", "ascending")])
        dates = table.column("local_date")
        for day in pc.unique(dates).to_pylist():
            part = table.filter(pc.equal(dates, pa.scalar(day, type=pa.date32())))
            digest = hashlib.sha256("\n".join(part.column("txn_id").to_pylist()).encode()).hexdigest()[:16]
            folder = self.root / f"date={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"part-{digest}.parquet"
            tmp = folder / f".{target.name}.tmp"
            pq.write_table(part, tmp, compression="zstd")
            os.replace(tmp, target)
        return table.num_rows

    def write_quarantine(self, source: Path, rows: list[dict[str, Any]]) -> Path | None:
        if not rows:
            return None
        qdir = self.root / "_quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        target = qdir / f"{source.name}.jsonl"
        with target.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return target
