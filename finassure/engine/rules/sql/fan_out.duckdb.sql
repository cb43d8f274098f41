SELECT
  "t13"."acct" AS "account_id",
  COALESCE("t6"."cust", "t13"."acct") AS "customer_id",
  "t13"."day" AS "date",
  'out' AS "direction",
  'CNY' AS "currency",
  CAST("t13"."n_cp" AS DOUBLE) AS "value",
  10.0 AS "threshold",
  "t13"."txn_count",
  "t13"."txn_ids"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t10"."acct",
      "t10"."win",
      COUNT(DISTINCT "t10"."cp") AS "n_cp",
      SUM(CAST(ROUND("t10"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
      COUNT(*) AS "txn_count",
      ARRAY_AGG("t10"."txn_id") FILTER(WHERE
        "t10"."txn_id" IS NOT NULL) AS "txn_ids",
      MIN("t10"."local_date") AS "day"
    FROM (
      SELECT
        "t9"."src",
        "t9"."dst",
        "t9"."epoch_s",
        "t9"."amount_cny",
        "t9"."txn_id",
        "t9"."local_date",
        "t9"."src" AS "acct",
        "t9"."dst" AS "cp",
        CAST(FLOOR((
          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t9"."local_date")
        ) / (
          7
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
    ) AS "t10"
    GROUP BY
      1,
      2
  ) AS "t11"
  WHERE
    "t11"."n_cp" >= 10
) AS "t13"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t13"."acct" = "t6"."account_id"
