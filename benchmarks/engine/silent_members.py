"""How the dev AMLSim graph's "silent" positives sit in the graph: the evidence behind the recall ceiling.

    .venv/bin/python benchmarks/engine/silent_members.py [/work/shared/data/amlsim/20K_cycle200] [--json]

A silent member is an ``isFraud`` account that never sends or receives a laundering transfer. In this graph
an ordinary transfer carries exactly the sender's ``init_balance`` (that is how the sample was simulated),
so every other transfer is a laundering one. The script prints, per group (normal, launderer, silent):

* ``fraud_in_and_out``: receives an ordinary transfer from an ``isFraud`` account and pays one. This uses
  the labels of the neighbours, which production never has: it is an oracle, an upper bound on what any
  neighbourhood feature could know;
* ``short_cycle_<=3`` by degree band: lies on a directed cycle of at most 3 ordinary edges (edges counted
  once, time ignored), within bands of equal degree, so the higher degree of members does not explain it;
* ``closed_walk_via_launderer<=k``: the shortest closed walk from the account through some launderer and
  back is at most k ordinary edges — what a detector anchored on the accounts it already finds could use;
* ``ring_completion``: "complete the ring" of the launderers found, with the launderers themselves as the
  found set (the best a first pass could do): an account outside it is flagged when it lies on a directed
  cycle of at most ``len`` accounts (any transfers, hubs above 10 × the median degree skipped) holding at
  least ``m`` launderers. Counts of silent members and of normal accounts flagged, per (len, m).

It reads only the AMLSim files and needs no engine code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

BANDS = [0, 5, 8, 10, 12, 14, 17, 20, 25, 40, 10**6]


def shortest_cycle(a: sp.csr_matrix, chunk: int = 1000) -> np.ndarray:
    """Length of the shortest directed cycle through each node (inf when none)."""
    n = a.shape[0]
    at = a.T.tocsr()
    best = np.full(n, np.inf)
    for s in range(0, n, chunk):
        idx = np.arange(s, min(n, s + chunk))
        dist = shortest_path(a, indices=idx, unweighted=True, directed=True)
        for k, v in enumerate(idx):
            ins = at.indices[at.indptr[v]:at.indptr[v + 1]]
            if len(ins):
                best[v] = dist[k, ins].min() + 1
    return best


def analyse(folder: Path) -> dict:
    nodes = pd.read_csv(folder / "nodes.csv")
    txns = pd.read_csv(folder / "transactions.csv")
    balance = nodes.set_index("nodeid")["init_balance"]
    txns["ordinary"] = np.isclose(txns["value"], balance.reindex(txns["sourceNodeId"]).to_numpy(), atol=0.011)
    laundering = txns[~txns["ordinary"]]
    launders = nodes["nodeid"].isin(set(laundering["sourceNodeId"]) | set(laundering["targetNodeId"]))
    fraud = nodes["isFraud"].to_numpy() == 1
    group = np.where(~fraud, "normal", np.where(launders, "launderer", "silent"))
    n = len(nodes)
    edges = txns[txns["ordinary"]].drop_duplicates(["sourceNodeId", "targetNodeId"])
    edges = edges[edges["sourceNodeId"] != edges["targetNodeId"]]
    a = sp.csr_matrix((np.ones(len(edges)), (edges["sourceNodeId"], edges["targetNodeId"])), shape=(n, n))
    degree = np.diff(a.indptr) + np.diff(a.T.tocsr().indptr)

    src_fraud = fraud[edges["sourceNodeId"].to_numpy()]
    dst_fraud = fraud[edges["targetNodeId"].to_numpy()]
    fraud_in = np.zeros(n, bool)
    fraud_in[edges["targetNodeId"].to_numpy()[src_fraud]] = True
    fraud_out = np.zeros(n, bool)
    fraud_out[edges["sourceNodeId"].to_numpy()[dst_fraud]] = True

    cycle = shortest_cycle(a)
    band = pd.cut(pd.Series(degree), BANDS)
    by_band = (pd.DataFrame({"band": band.astype(str), "group": group, "c3": cycle <= 3})
               .pivot_table(index="band", columns="group", values="c3", aggfunc="mean", sort=False).round(3))

    lidx = np.where(group == "launderer")[0]
    walks = (shortest_path(a, indices=lidx, unweighted=True, directed=True)
             + shortest_path(a.T.tocsr(), indices=lidx, unweighted=True, directed=True))
    walks[np.arange(len(lidx)), lidx] = np.inf
    walk = walks.min(axis=0)

    out: dict = {"accounts": n, "groups": {g: int((group == g).sum()) for g in ("normal", "launderer", "silent")},
                 "recall_ceiling_from_laundering": round(float(launders[fraud].mean()), 4)}
    for g in ("normal", "launderer", "silent"):
        m = group == g
        out[g] = {"median_degree": float(np.median(degree[m])),
                  "fraud_in_and_out (oracle)": round(float((fraud_in & fraud_out)[m].mean()), 3),
                  **{f"closed_walk_via_launderer<={k}": round(float((walk[m] <= k).mean()), 3) for k in (3, 4, 5)}}
    out["short_cycle<=3 by degree band"] = by_band.to_dict(orient="index")
    out["ring_completion"] = ring_completion(txns, set(np.where(group == "launderer")[0]), group)
    return out


def ring_completion(txns: pd.DataFrame, found: set[int], group: np.ndarray, longest: int = 5) -> dict[str, dict]:
    """Accounts outside ``found`` on a directed cycle of ≤ ``longest`` accounts holding ≥ m of ``found``."""
    pairs = txns[["sourceNodeId", "targetNodeId"]].drop_duplicates()
    pairs = pairs[pairs["sourceNodeId"] != pairs["targetNodeId"]]
    out_of: dict[int, list[int]] = {}
    for s, d in zip(pairs["sourceNodeId"].to_numpy(), pairs["targetNodeId"].to_numpy(), strict=True):
        out_of.setdefault(int(s), []).append(int(d))
    degree = np.bincount(pairs["sourceNodeId"], minlength=len(group)) \
        + np.bincount(pairs["targetNodeId"], minlength=len(group))
    cap = 10 * np.median(degree)
    best: dict[int, list[tuple[int, int]]] = {}  # account → (cycle length, launderers on it) of its cycles
    for start in found:
        stack = [(start, (start,))]
        while stack:
            v, path = stack.pop()
            for w in out_of.get(v, ()):
                if w == start and len(path) >= 2:
                    m = sum(1 for x in path if x in found)
                    for x in path:
                        if x not in found:
                            best.setdefault(x, []).append((len(path), m))
                elif w not in path and len(path) < longest and degree[w] <= cap:
                    stack.append((w, (*path, w)))
    res = {}
    for length in range(3, longest + 1):
        for m in (1, 2, 3):
            hit = np.array([x for x, cyc in best.items() if any(k <= length and f >= m for k, f in cyc)], dtype=int)
            res[f"len<={length}, m>={m}"] = {"silent": int((group[hit] == "silent").sum()) if len(hit) else 0,
                                            "normal": int((group[hit] == "normal").sum()) if len(hit) else 0}
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="/work/shared/data/amlsim/20K_cycle200")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = analyse(Path(args.folder))
    print(json.dumps(res, indent=None if args.json else 2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
