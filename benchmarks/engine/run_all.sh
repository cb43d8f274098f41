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
# SPARK_ROWS=5000000 (one of SIZES, whose store the loop above wrote): the rules on Spark local[2] and on
# DuckDB without the model, and whether the two alerts.jsonl files are byte-identical.
if [ -n "${SPARK_ROWS:-}" ]; then
  $PY -m finassure.engine.cli run --input "$WD/store-$SPARK_ROWS" --out "$WD/spark-$SPARK_ROWS" --backend spark --model none --json
  $PY -m finassure.engine.cli run --input "$WD/store-$SPARK_ROWS" --out "$WD/duckdb-$SPARK_ROWS" --model none --json
  if cmp -s "$WD/spark-$SPARK_ROWS/alerts.jsonl" "$WD/duckdb-$SPARK_ROWS/alerts.jsonl"; then
    echo '{"spark_alerts_identical": true}'
  else
    echo '{"spark_alerts_identical": false}'
  fi
fi
