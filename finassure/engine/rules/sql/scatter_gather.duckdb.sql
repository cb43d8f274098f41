WITH "t10" AS (
  SELECT
    *
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
), "t22" AS (
  SELECT
    *
  FROM (
    SELECT
      "t12"."src" AS "o",
      "t12"."dst" AS "m",
      "t12"."epoch_s" AS "t1",
      "t12"."txn_id" AS "id1",
      "t20"."m2",
      "t20"."b",
      "t20"."t2",
      "t20"."id2",
      "t20"."day"
    FROM "t10" AS "t12"
    SEMI JOIN (
      SELECT
        *
      FROM (
        SELECT
          "t11"."src" AS "o_",
          COUNT(DISTINCT "t11"."dst") AS "n_"
        FROM "t10" AS "t11"
        GROUP BY
          1
      ) AS "t14"
      WHERE
        "t14"."n_" >= 3
    ) AS "t18"
      ON "t12"."src" = "t18"."o_"
    INNER JOIN (
      SELECT
        "t12"."src" AS "m2",
        "t12"."dst" AS "b",
        "t12"."epoch_s" AS "t2",
        "t12"."txn_id" AS "id2",
        "t12"."local_date" AS "day"
      FROM "t10" AS "t12"
      SEMI JOIN (
        SELECT
          *
        FROM (
          SELECT
            "t11"."dst" AS "b_",
            COUNT(DISTINCT "t11"."src") AS "n_"
          FROM "t10" AS "t11"
          GROUP BY
            1
        ) AS "t13"
        WHERE
          "t13"."n_" >= 3
      ) AS "t17"
        ON "t12"."dst" = "t17"."b_"
    ) AS "t20"
      ON "t12"."dst" = "t20"."m2"
      AND "t20"."t2" >= "t12"."epoch_s"
      AND "t20"."t2" <= (
        "t12"."epoch_s" + 864000
      )
  ) AS "t21"
  WHERE
    "t21"."o" <> "t21"."b"
), "t29" AS (
  SELECT
    "t28"."o",
    "t28"."b",
    MAX("t28"."n_mid") AS "n_mid",
    CASE
      WHEN ARRAY_AGG("t28"."id1") FILTER(WHERE
        "t28"."id1" IS NOT NULL) IS NULL
      OR ARRAY_AGG("t28"."id2") FILTER(WHERE
        "t28"."id2" IS NOT NULL) IS NULL
      THEN NULL
      ELSE LIST_CONCAT(
        ARRAY_AGG("t28"."id1") FILTER(WHERE
          "t28"."id1" IS NOT NULL),
        ARRAY_AGG("t28"."id2") FILTER(WHERE
          "t28"."id2" IS NOT NULL)
      )
    END AS "ids",
    MIN("t28"."day") AS "day",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "t24"."o",
      "t24"."m",
      "t24"."t1",
      "t24"."id1",
      "t24"."m2",
      "t24"."b",
      "t24"."t2",
      "t24"."id2",
      "t24"."day",
      "t27"."po",
      "t27"."pb",
      "t27"."n_mid"
    FROM "t22" AS "t24"
    INNER JOIN (
      SELECT
        "t25"."o" AS "po",
        "t25"."b" AS "pb",
        "t25"."n_mid"
      FROM (
        SELECT
          "t23"."o",
          "t23"."b",
          COUNT(DISTINCT "t23"."m") AS "n_mid"
        FROM "t22" AS "t23"
        GROUP BY
          1,
          2
      ) AS "t25"
      WHERE
        "t25"."n_mid" >= 3
    ) AS "t27"
      ON "t24"."o" = "t27"."po" AND "t24"."b" = "t27"."pb"
  ) AS "t28"
  GROUP BY
    1,
    2
)
SELECT
  "t35"."acct" AS "account_id",
  COALESCE("t6"."cust", "t35"."acct") AS "customer_id",
  "t35"."day" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t35"."n_mid" AS DOUBLE) AS "value",
  3.0 AS "threshold",
  "t35"."n" AS "txn_count",
  CASE
    WHEN "t35"."ids" IS NULL
    THEN NULL
    ELSE LIST_DISTINCT("t35"."ids") + CASE
      WHEN LIST_BOOL_OR(LIST_APPLY("t35"."ids", x -> x IS NULL))
      THEN [NULL]
      ELSE []
    END
  END AS "txn_ids"
FROM (
  SELECT
    "t33"."acct",
    MAX("t33"."n_mid") AS "n_mid",
    FLATTEN(ARRAY_AGG("t33"."ids") FILTER(WHERE
      "t33"."ids" IS NOT NULL)) AS "ids",
    MIN("t33"."day") AS "day",
    SUM("t33"."n") AS "n"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t30"."o" AS "acct",
        "t30"."n_mid",
        "t30"."ids",
        "t30"."day",
        "t30"."n"
      FROM "t29" AS "t30"
    ) AS "t31"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t30"."b" AS "acct",
        "t30"."n_mid",
        "t30"."ids",
        "t30"."day",
        "t30"."n"
      FROM "t29" AS "t30"
    ) AS "t32"
  ) AS "t33"
  GROUP BY
    1
) AS "t35"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t35"."acct" = "t6"."account_id"
