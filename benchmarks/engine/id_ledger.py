"""Time ingest's id check alone: ``IdLedger.seen`` + ``add`` per chunk as a file's ids accumulate.

    .venv/bin/python benchmarks/engine/id_ledger.py [--ids 20000000] [--chunk 500000]

Random 16-hex-digit ids (as distinct as real transaction ids; sequential ones compress to nothing in DuckDB),
added chunk by chunk the way ``ingest`` does, then every chunk checked again as a re-ingest would (all
already met). Prints one JSON line: the seconds of the first and last chunk's check, the total, and the
process's peak RSS. Run an older checkout with ``PYTHONPATH=<checkout>`` to compare.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pyarrow as pa

from finassure.engine.ingest.store import IdLedger


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ids", type=int, default=20_000_000)
    ap.add_argument("--chunk", type=int, default=500_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    chunks = [pa.table({"txn_id": pa.array(np.char.mod("%016x", rng.integers(0, 2**62, args.chunk)))})
              for _ in range(args.ids // args.chunk)]
    per_chunk = []
    with IdLedger() as ledger:
        start = time.perf_counter()
        for table in chunks:
            t = time.perf_counter()
            seen = ledger.seen(table)
            ledger.add(table)
            per_chunk.append(time.perf_counter() - t)
            assert not seen.any()
        first_pass = time.perf_counter() - start
        t = time.perf_counter()
        again = sum(int(ledger.seen(table).sum()) for table in chunks)
        second_pass = time.perf_counter() - t
    assert again == args.ids // args.chunk * args.chunk
    print(json.dumps({"ids": args.ids, "chunk": args.chunk, "first_chunk_s": round(per_chunk[0], 3),
                      "last_chunk_s": round(per_chunk[-1], 3), "new_ids_total_s": round(first_pass, 1),
                      "all_met_again_total_s": round(second_pass, 1),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


if __name__ == "__main__":
    main()
