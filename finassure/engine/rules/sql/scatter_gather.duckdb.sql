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
), "t16" AS (
  SELECT
    "t15"."o",
    "t15"."b",
    COUNT(DISTINCT "t15"."m") AS "n_mid",
    CASE
      WHEN ARRAY_AGG("t15"."id1") FILTER(WHERE
        "t15"."id1" IS NOT NULL) IS NULL
      OR ARRAY_AGG("t15"."id2") FILTER(WHERE
        "t15"."id2" IS NOT NULL) IS NULL
      THEN NULL
      ELSE LIST_CONCAT(
        ARRAY_AGG("t15"."id1") FILTER(WHERE
          "t15"."id1" IS NOT NULL),
        ARRAY_AGG("t15"."id2") FILTER(WHERE
          "t15"."id2" IS NOT NULL)
      )
    END AS "ids",
    MIN("t15"."day") AS "day",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "t13"."o",
      "t13"."m",
      "t13"."t1",
      "t13"."id1",
      "t14"."m2",
      "t14"."b",
      "t14"."t2",
      "t14"."id2",
      "t14"."day"
    FROM (
      SELECT
        "t10"."src" AS "o",
        "t10"."dst" AS "m",
        "t10"."epoch_s" AS "t1",
        "t10"."txn_id" AS "id1"
      FROM "t9" AS "t10"
      WHERE
        "t10"."amount_cny" >= 1000.0
    ) AS "t13"
    INNER JOIN (
      SELECT
        "t10"."src" AS "m2",
        "t10"."dst" AS "b",
        "t10"."epoch_s" AS "t2",
        "t10"."txn_id" AS "id2",
        "t10"."local_date" AS "day"
      FROM "t9" AS "t10"
      WHERE
        "t10"."amount_cny" >= 1000.0
    ) AS "t14"
      ON "t13"."m" = "t14"."m2"
      AND "t14"."t2" >= "t13"."t1"
      AND "t14"."t2" <= (
        "t13"."t1" + 864000
      )
      AND "t13"."o" <> "t14"."b"
  ) AS "t15"
  GROUP BY
    1,
    2
)
SELECT
  "t22"."acct" AS "account_id",
  COALESCE("t6"."cust", "t22"."acct") AS "customer_id",
  "t22"."day" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t22"."n_mid" AS DOUBLE) AS "value",
  3.0 AS "threshold",
  "t22"."n" AS "txn_count",
  CASE
    WHEN "t22"."ids" IS NULL
    THEN NULL
    ELSE LIST_DISTINCT("t22"."ids") + CASE
      WHEN LIST_BOOL_OR(LIST_APPLY("t22"."ids", x -> x IS NULL))
      THEN [NULL]
      ELSE []
    END
  END AS "txn_ids"
FROM (
  SELECT
    "t20"."acct",
    MAX("t20"."n_mid") AS "n_mid",
    FLATTEN(ARRAY_AGG("t20"."ids") FILTER(WHERE
      "t20"."ids" IS NOT NULL)) AS "ids",
    MIN("t20"."day") AS "day",
    SUM("t20"."n") AS "n"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t17"."o" AS "acct",
        "t17"."n_mid",
        "t17"."ids",
        "t17"."day",
        "t17"."n"
      FROM "t16" AS "t17"
      WHERE
        "t17"."n_mid" >= 3
    ) AS "t18"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t17"."b" AS "acct",
        "t17"."n_mid",
        "t17"."ids",
        "t17"."day",
        "t17"."n"
      FROM "t16" AS "t17"
      WHERE
        "t17"."n_mid" >= 3
    ) AS "t19"
  ) AS "t20"
  GROUP BY
    1
) AS "t22"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t22"."acct" = "t6"."account_id"
