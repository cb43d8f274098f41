#!/bin/sh
# Engine benchmarks (2 cores): rule set + model at several sizes, the hand-written SQL baseline,
# the generator and real-time scoring. Each line printed is one JSON result.
set -e
PY=${PY:-.venv/bin/python}
WD=${WD:-/tmp/finassure-bench}
$PY -m finassure.engine.cli bench realtime
$PY -m finassure.engine.cli bench generate --rows "${GEN_ROWS:-10000000}" --workdir "$WD"
for n in ${SIZES:-1000000 5000000}; do
  $PY -m finassure.engine.cli bench rules --rows "$n" --workdir "$WD"
done
