WITH "t10" AS (
  SELECT
    "t9"."src",
    "t9"."dst",
    "t9"."epoch_s",
    "t9"."amount_cny",
    "t9"."txn_id",
    "t9"."local_date",
    CAST(FLOOR((
      "t9"."epoch_s"
    ) / (
      604800
    )) AS BIGINT) AS "win"
  FROM (
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
  ) AS "t9"
  WHERE
    "t9"."amount_cny" >= 1000.0
)
SELECT
  "t16"."dst" AS "account_id",
  COALESCE("t6"."cust", "t16"."dst") AS "customer_id",
  "t16"."d_in" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t16"."n_in" + "t17"."n_out" AS DOUBLE) AS "value",
  5.0 AS "threshold",
  ARRAY_LENGTH(
    CASE
      WHEN "t16"."ids_in" IS NULL OR "t17"."ids_out" IS NULL
      THEN NULL
      ELSE LIST_CONCAT("t16"."ids_in", "t17"."ids_out")
    END
  ) AS "txn_count",
  CASE
    WHEN "t16"."ids_in" IS NULL OR "t17"."ids_out" IS NULL
    THEN NULL
    ELSE LIST_CONCAT("t16"."ids_in", "t17"."ids_out")
  END AS "txn_ids"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t11"."dst",
      "t11"."win",
      COUNT(DISTINCT "t11"."src") AS "n_in",
      ARRAY_AGG("t11"."txn_id") FILTER(WHERE
        "t11"."txn_id" IS NOT NULL) AS "ids_in",
      MIN("t11"."local_date") AS "d_in"
    FROM "t10" AS "t11"
    GROUP BY
      1,
      2
  ) AS "t12"
  WHERE
    "t12"."n_in" >= 5
) AS "t16"
INNER JOIN (
  SELECT
    "t13"."src",
    "t13"."win" AS "win2",
    "t13"."n_out",
    "t13"."ids_out",
    "t13"."d_out"
  FROM (
    SELECT
      "t11"."src",
      "t11"."win",
      COUNT(DISTINCT "t11"."dst") AS "n_out",
      ARRAY_AGG("t11"."txn_id") FILTER(WHERE
        "t11"."txn_id" IS NOT NULL) AS "ids_out",
      MIN("t11"."local_date") AS "d_out"
    FROM "t10" AS "t11"
    GROUP BY
      1,
      2
  ) AS "t13"
  WHERE
    "t13"."n_out" >= 5
) AS "t17"
  ON "t16"."dst" = "t17"."src" AND "t16"."win" = "t17"."win2"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t16"."dst" = "t6"."account_id"
