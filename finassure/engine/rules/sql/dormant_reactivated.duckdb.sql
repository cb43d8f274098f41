SELECT
  "t2"."account_id",
  "t2"."cust" AS "customer_id",
  "t2"."local_date" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  "t2"."total" / 100.0 AS "value",
  50000.0 AS "threshold",
  "t2"."n" AS "txn_count",
  "t2"."ids" AS "txn_ids"
FROM (
  SELECT
    "t1"."account_id",
    "t1"."local_date",
    "t1"."cust",
    "t1"."total",
    "t1"."n",
    "t1"."first_s",
    "t1"."last_s",
    "t1"."ids",
    LAG("t1"."last_s") OVER (
      PARTITION BY "t1"."account_id"
      ORDER BY "t1"."local_date" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "prev_last"
  FROM (
    SELECT
      "t0"."account_id",
      "t0"."local_date",
      MIN("t0"."customer_id") AS "cust",
      SUM(CAST(ROUND("t0"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
      COUNT(*) AS "n",
      MIN("t0"."epoch_s") AS "first_s",
      MAX("t0"."epoch_s") AS "last_s",
      ARRAY_AGG("t0"."txn_id") FILTER(WHERE
        "t0"."txn_id" IS NOT NULL) AS "ids"
    FROM "transactions" AS "t0"
    GROUP BY
      1,
      2
  ) AS "t1"
) AS "t2"
WHERE
  "t2"."prev_last" IS NOT NULL
  AND CAST(FLOOR((
    "t2"."first_s" - "t2"."prev_last"
  ) / (
    86400
  )) AS BIGINT) >= 180
  AND "t2"."total" >= 5000000
