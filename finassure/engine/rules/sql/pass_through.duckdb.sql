SELECT
  "t6"."acct" AS "account_id",
  "t6"."cust" AS "customer_id",
  CAST(NULL AS DATE) AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  "t6"."total" / 100.0 AS "value",
  2.0 AS "threshold",
  "t6"."pairs" AS "txn_count",
  CASE
    WHEN "t6"."ids_in" IS NULL OR "t6"."ids_out" IS NULL
    THEN NULL
    ELSE LIST_CONCAT("t6"."ids_in", "t6"."ids_out")
  END AS "txn_ids"
FROM (
  SELECT
    "t5"."acct",
    "t5"."cust",
    COUNT(*) AS "pairs",
    SUM(CAST(ROUND("t5"."a_out" * 100, 0) AS BIGINT)) AS "total",
    ARRAY_AGG("t5"."id_in") FILTER(WHERE
      "t5"."id_in" IS NOT NULL) AS "ids_in",
    ARRAY_AGG("t5"."id_out") FILTER(WHERE
      "t5"."id_out" IS NOT NULL) AS "ids_out",
    MIN("t5"."t_in") AS "day"
  FROM (
    SELECT
      "t3"."acct",
      "t3"."cust",
      "t3"."t_in",
      "t3"."a_in",
      "t3"."id_in",
      "t4"."acct_o",
      "t4"."t_out",
      "t4"."a_out",
      "t4"."id_out"
    FROM (
      SELECT
        "t0"."account_id" AS "acct",
        "t0"."customer_id" AS "cust",
        "t0"."epoch_s" AS "t_in",
        "t0"."amount_cny" AS "a_in",
        "t0"."txn_id" AS "id_in"
      FROM "transactions" AS "t0"
      WHERE
        "t0"."amount_cny" >= 10000.0 AND "t0"."direction" = 'in'
    ) AS "t3"
    INNER JOIN (
      SELECT
        "t0"."account_id" AS "acct_o",
        "t0"."epoch_s" AS "t_out",
        "t0"."amount_cny" AS "a_out",
        "t0"."txn_id" AS "id_out"
      FROM "transactions" AS "t0"
      WHERE
        "t0"."amount_cny" >= 10000.0 AND "t0"."direction" = 'out'
    ) AS "t4"
      ON "t3"."acct" = "t4"."acct_o"
      AND "t4"."t_out" >= "t3"."t_in"
      AND "t4"."t_out" <= (
        "t3"."t_in" + 172800
      )
      AND "t4"."a_out" >= (
        "t3"."a_in" * 0.9
      )
      AND "t4"."a_out" <= (
        "t3"."a_in" * 1.0001
      )
  ) AS "t5"
  GROUP BY
    1,
    2
) AS "t6"
WHERE
  "t6"."pairs" >= 2
