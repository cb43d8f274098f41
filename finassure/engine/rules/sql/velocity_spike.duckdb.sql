SELECT
  "t2"."account_id",
  "t2"."cust" AS "customer_id",
  "t2"."local_date" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  "t2"."total" / 100.0 AS "value",
  CAST(ROUND((
    "t2"."avg_total" * 5.0
  ) / 100.0, 2) AS DOUBLE) AS "threshold",
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
    AVG("t1"."total") OVER (
      PARTITION BY "t1"."account_id"
      ORDER BY "t1"."local_date" ASC
      ROWS BETWEEN 30 preceding AND 1 preceding
    ) AS "avg_total",
    AVG("t1"."n") OVER (
      PARTITION BY "t1"."account_id"
      ORDER BY "t1"."local_date" ASC
      ROWS BETWEEN 30 preceding AND 1 preceding
    ) AS "avg_n",
    COUNT("t1"."n") OVER (
      PARTITION BY "t1"."account_id"
      ORDER BY "t1"."local_date" ASC
      ROWS BETWEEN 30 preceding AND 1 preceding
    ) AS "n_hist"
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
  "t2"."n_hist" >= 5
  AND "t2"."total" >= 2000000
  AND (
    (
      "t2"."total" >= (
        "t2"."avg_total" * 5.0
      )
    )
    OR (
      "t2"."n" >= (
        "t2"."avg_n" * 5.0
      )
    )
  )
