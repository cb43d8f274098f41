SELECT
  "t2"."account_id",
  "t2"."customer_id",
  "t2"."local_date" AS "date",
  "t2"."direction",
  "t2"."unit" AS "currency",
  "t2"."total" / 100.0 AS "value",
  CASE WHEN "t2"."unit" = 'CNY' THEN 20000000 ELSE 1000000 END / 100.0 AS "threshold",
  "t2"."txn_count",
  "t2"."txn_ids"
FROM (
  SELECT
    "t1"."customer_id",
    "t1"."local_date",
    "t1"."direction",
    "t1"."unit",
    SUM("t1"."measure") AS "total",
    COUNT(*) AS "txn_count",
    ARRAY_AGG("t1"."txn_id") AS "txn_ids",
    MIN("t1"."account_id") AS "account_id"
  FROM (
    SELECT
      "t0"."txn_id",
      "t0"."ts",
      "t0"."account_id",
      "t0"."customer_id",
      "t0"."customer_type",
      "t0"."direction",
      "t0"."amount",
      "t0"."currency",
      "t0"."channel",
      "t0"."counterparty_account_id",
      "t0"."counterparty_bank",
      "t0"."counterparty_country",
      "t0"."cross_border",
      "t0"."local_date",
      "t0"."epoch_s",
      "t0"."amount_cny",
      "t0"."amount_usd",
      "t0"."attributes",
      CASE WHEN "t0"."currency" = 'CNY' THEN 'CNY' ELSE 'USD' END AS "unit",
      CASE
        WHEN "t0"."currency" = 'CNY'
        THEN CAST(ROUND("t0"."amount" * 100, 0) AS BIGINT)
        ELSE CAST(ROUND("t0"."amount_usd" * 100, 0) AS BIGINT)
      END AS "measure"
    FROM "transactions" AS "t0"
    WHERE
      "t0"."channel" IN ('transfer', 'card', 'other')
      AND "t0"."customer_type" = 'individual'
      AND "t0"."cross_border" = TRUE
  ) AS "t1"
  GROUP BY
    1,
    2,
    3,
    4
) AS "t2"
WHERE
  "t2"."total" >= CASE WHEN "t2"."unit" = 'CNY' THEN 20000000 ELSE 1000000 END
