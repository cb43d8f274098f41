"""The transaction store: ingesting an institution's transactions through the engine, and the demo's generated store."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from pathlib import Path
from typing import Any

from finassure.monitoring.services._common import transaction_store


def store_transactions(
    *,
    txn_ids: list[str] | None = None,
    accounts: list[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store: Path | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Transactions of the store by id, or of accounts (either side) between two local dates; oldest first."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from finassure.engine.ingest.store import TransactionStore
    from finassure.engine.schema import STORED_SCHEMA

    files = TransactionStore(store or transaction_store()).files()
    if not files or (txn_ids is not None and not txn_ids):
        return []
    filters = []
    if txn_ids is not None:
        filters.append(pc.field("txn_id").isin(txn_ids))
    if accounts is not None:
        filters.append(
            pc.field("account_id").isin(accounts) | pc.field("counterparty_account_id").isin(accounts)
        )
    if start is not None:
        filters.append(pc.field("local_date") >= pa.scalar(start, type=pa.date32()))
    if end is not None:
        filters.append(pc.field("local_date") <= pa.scalar(end, type=pa.date32()))
    expr = functools.reduce(operator.and_, filters) if filters else None
    table = ds.dataset([str(f) for f in files], format="parquet", schema=STORED_SCHEMA).to_table(
        filter=expr,
        columns=[
            "txn_id",
            "ts",
            "account_id",
            "customer_id",
            "direction",
            "amount",
            "currency",
            "channel",
            "counterparty_account_id",
            "counterparty_bank",
            "counterparty_country",
            "amount_cny",
            "local_date",
        ],
    )
    table = table.sort_by([("ts", "ascending"), ("txn_id", "ascending")]).slice(0, limit)
    return table.to_pylist()


def demo_store_generate(*, store: Path, rows: int, seed: int = 7) -> dict[str, Any]:
    """Generate synthetic transactions with the engine's generator and ingest them into the store."""
    import tempfile

    from finassure.engine.generate import generate
    from finassure.engine.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "demo.parquet"
        generate(source, rows=rows, seed=seed)
        report = ingest(source, store)
    return {"new": report.new, "already_stored": report.already_stored}
