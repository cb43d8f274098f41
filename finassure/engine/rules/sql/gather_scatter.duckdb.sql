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
  "t29"."dst" AS "account_id",
  COALESCE("t6"."cust", "t29"."dst") AS "customer_id",
  "t29"."d_in" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t29"."n_in" + "t30"."n_out" AS DOUBLE) AS "value",
  5.0 AS "threshold",
  ARRAY_LENGTH(
    CASE
      WHEN "t29"."ids_in" IS NULL OR "t30"."ids_out" IS NULL
      THEN NULL
      ELSE LIST_CONCAT("t29"."ids_in", "t30"."ids_out")
    END
  ) AS "txn_count",
  CASE
    WHEN "t29"."ids_in" IS NULL OR "t30"."ids_out" IS NULL
    THEN NULL
    ELSE LIST_CONCAT("t29"."ids_in", "t30"."ids_out")
  END AS "txn_ids"
FROM (
  SELECT
    "t25"."acct" AS "dst",
    "t25"."win",
    "t25"."n_cp" AS "n_in",
    "t25"."txn_ids" AS "ids_in",
    "t25"."day" AS "d_in"
  FROM (
    SELECT
      "t23"."acct",
      "t23"."win",
      "t23"."n_cp",
      "t23"."total",
      "t23"."txn_count",
      "t23"."day",
      ARRAY_AGG("t23"."id_") AS "txn_ids"
    FROM (
      SELECT
        "t21"."acct",
        "t21"."win",
        "t21"."n_cp",
        "t21"."total",
        "t21"."txn_count",
        "t21"."day",
        "t15"."k0_",
        "t15"."k1_",
        "t15"."id_"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t12"."acct",
            "t12"."win",
            COUNT(DISTINCT "t12"."cp") AS "n_cp",
            SUM(CAST(ROUND("t12"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
            COUNT(*) AS "txn_count",
            MIN("t12"."local_date") AS "day"
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
          ) AS "t12"
          GROUP BY
            1,
            2
        ) AS "t17"
        WHERE
          "t17"."n_cp" >= 5
      ) AS "t21"
      INNER JOIN (
        SELECT
          "t10"."dst" AS "k0_",
          CAST(FLOOR((
            DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t10"."local_date")
          ) / (
            7
          )) AS BIGINT) AS "k1_",
          "t10"."txn_id" AS "id_"
        FROM "t9" AS "t10"
        WHERE
          "t10"."amount_cny" >= 1000.0
      ) AS "t15"
        ON "t21"."acct" = "t15"."k0_" AND "t21"."win" = "t15"."k1_"
    ) AS "t23"
    GROUP BY
      1,
      2,
      3,
      4,
      5,
      6
  ) AS "t25"
) AS "t29"
INNER JOIN (
  SELECT
    "t26"."acct" AS "src",
    "t26"."win" AS "win2",
    "t26"."n_cp" AS "n_out",
    "t26"."txn_ids" AS "ids_out",
    "t26"."day" AS "d_out"
  FROM (
    SELECT
      "t24"."acct",
      "t24"."win",
      "t24"."n_cp",
      "t24"."total",
      "t24"."txn_count",
      "t24"."day",
      ARRAY_AGG("t24"."id_") AS "txn_ids"
    FROM (
      SELECT
        "t22"."acct",
        "t22"."win",
        "t22"."n_cp",
        "t22"."total",
        "t22"."txn_count",
        "t22"."day",
        "t16"."k0_",
        "t16"."k1_",
        "t16"."id_"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t14"."acct",
            "t14"."win",
            COUNT(DISTINCT "t14"."cp") AS "n_cp",
            SUM(CAST(ROUND("t14"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
            COUNT(*) AS "txn_count",
            MIN("t14"."local_date") AS "day"
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
          ) AS "t14"
          GROUP BY
            1,
            2
        ) AS "t18"
        WHERE
          "t18"."n_cp" >= 5
      ) AS "t22"
      INNER JOIN (
        SELECT
          "t10"."src" AS "k0_",
          CAST(FLOOR((
            DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t10"."local_date")
          ) / (
            7
          )) AS BIGINT) AS "k1_",
          "t10"."txn_id" AS "id_"
        FROM "t9" AS "t10"
        WHERE
          "t10"."amount_cny" >= 1000.0
      ) AS "t16"
        ON "t22"."acct" = "t16"."k0_" AND "t22"."win" = "t16"."k1_"
    ) AS "t24"
    GROUP BY
      1,
      2,
      3,
      4,
      5,
      6
  ) AS "t26"
) AS "t30"
  ON "t29"."dst" = "t30"."src" AND "t29"."win" = "t30"."win2"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t29"."dst" = "t6"."account_id"
