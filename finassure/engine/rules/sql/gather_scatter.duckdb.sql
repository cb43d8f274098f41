WITH "t9" AS (
  SELECT
    *
  FROM (
    SELECT
      "t0"."account_id" AS "src",
      "t0"."counterparty_account_id" AS "dst",
      "t0"."epoch_s",
      "t0"."amount_cny",
      "t0"."txn_id",
      "t0"."local_date"
    FROM "transactions" AS "t0"
    WHERE
      "t0"."counterparty_account_id" IS NOT NULL AND "t0"."direction" = 'out'
  ) AS "t4"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t7"."counterparty_account_id" AS "src",
      "t7"."account_id" AS "dst",
      "t7"."epoch_s",
      "t7"."amount_cny",
      "t7"."txn_id",
      "t7"."local_date"
    FROM (
      SELECT
        *
      FROM "transactions" AS "t0"
      WHERE
        "t0"."counterparty_account_id" IS NOT NULL AND "t0"."direction" = 'in'
    ) AS "t7"
    ANTI JOIN (
      SELECT DISTINCT
        "t0"."account_id" AS "acct"
      FROM "transactions" AS "t0"
    ) AS "t2"
      ON "t7"."counterparty_account_id" = "t2"."acct"
  ) AS "t8"
)
SELECT
  "t17"."dst" AS "account_id",
  COALESCE("t6"."cust", "t17"."dst") AS "customer_id",
  "t17"."d_in" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t17"."n_in" + "t18"."n_out" AS DOUBLE) AS "value",
  5.0 AS "threshold",
  ARRAY_LENGTH(
    CASE
      WHEN "t17"."ids_in" IS NULL OR "t18"."ids_out" IS NULL
      THEN NULL
      ELSE LIST_CONCAT("t17"."ids_in", "t18"."ids_out")
    END
  ) AS "txn_count",
  CASE
    WHEN "t17"."ids_in" IS NULL OR "t18"."ids_out" IS NULL
    THEN NULL
    ELSE LIST_CONCAT("t17"."ids_in", "t18"."ids_out")
  END AS "txn_ids"
FROM (
  SELECT
    "t13"."acct" AS "dst",
    "t13"."win",
    "t13"."n_cp" AS "n_in",
    "t13"."txn_ids" AS "ids_in",
    "t13"."day" AS "d_in"
  FROM (
    SELECT
      "t11"."acct",
      "t11"."win",
      COUNT(DISTINCT "t11"."cp") AS "n_cp",
      SUM(CAST(ROUND("t11"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
      COUNT(*) AS "txn_count",
      ARRAY_AGG("t11"."txn_id") FILTER(WHERE
        "t11"."txn_id" IS NOT NULL) AS "txn_ids",
      MIN("t11"."local_date") AS "day"
    FROM (
      SELECT
        "t10"."src",
        "t10"."dst",
        "t10"."epoch_s",
        "t10"."amount_cny",
        "t10"."txn_id",
        "t10"."local_date",
        "t10"."dst" AS "acct",
        "t10"."src" AS "cp",
        CAST(FLOOR((
          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t10"."local_date")
        ) / (
          7
        )) AS BIGINT) AS "win"
      FROM "t9" AS "t10"
      WHERE
        "t10"."amount_cny" >= 1000.0
    ) AS "t11"
    GROUP BY
      1,
      2
  ) AS "t13"
  WHERE
    "t13"."n_cp" >= 5
) AS "t17"
INNER JOIN (
  SELECT
    "t14"."acct" AS "src",
    "t14"."win" AS "win2",
    "t14"."n_cp" AS "n_out",
    "t14"."txn_ids" AS "ids_out",
    "t14"."day" AS "d_out"
  FROM (
    SELECT
      "t12"."acct",
      "t12"."win",
      COUNT(DISTINCT "t12"."cp") AS "n_cp",
      SUM(CAST(ROUND("t12"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
      COUNT(*) AS "txn_count",
      ARRAY_AGG("t12"."txn_id") FILTER(WHERE
        "t12"."txn_id" IS NOT NULL) AS "txn_ids",
      MIN("t12"."local_date") AS "day"
    FROM (
      SELECT
        "t10"."src",
        "t10"."dst",
        "t10"."epoch_s",
        "t10"."amount_cny",
        "t10"."txn_id",
        "t10"."local_date",
        "t10"."src" AS "acct",
        "t10"."dst" AS "cp",
        CAST(FLOOR((
          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t10"."local_date")
        ) / (
          7
        )) AS BIGINT) AS "win"
      FROM "t9" AS "t10"
      WHERE
        "t10"."amount_cny" >= 1000.0
    ) AS "t12"
    GROUP BY
      1,
      2
  ) AS "t14"
  WHERE
    "t14"."n_cp" >= 5
) AS "t18"
  ON "t17"."dst" = "t18"."src" AND "t17"."win" = "t18"."win2"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t17"."dst" = "t6"."account_id"
