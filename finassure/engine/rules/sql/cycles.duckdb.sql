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
), "t18" AS (
  SELECT
    *
  FROM (
    SELECT
      "t10"."src",
      "t10"."dst",
      "t10"."epoch_s",
      "t10"."txn_id",
      "t10"."amount_cny"
    FROM "t9" AS "t10"
    WHERE
      "t10"."amount_cny" >= 1000.0
  ) AS "t11"
  WHERE
    "t11"."src" IN (
      SELECT
        *
      FROM (
        SELECT DISTINCT
          "t10"."dst" AS "acct_r"
        FROM "t9" AS "t10"
        WHERE
          "t10"."amount_cny" >= 1000.0
      ) AS "t14"
    )
    AND "t11"."dst" IN (
      SELECT
        *
      FROM (
        SELECT DISTINCT
          "t10"."src" AS "acct_s"
        FROM "t9" AS "t10"
        WHERE
          "t10"."amount_cny" >= 1000.0
      ) AS "t15"
    )
), "t23" AS (
  SELECT
    "t19"."src" AS "start",
    "t19"."dst" AS "cur",
    "t19"."epoch_s" AS "t_last",
    "t19"."amount_cny" AS "a_last",
    "t19"."txn_id" AS "id1"
  FROM "t18" AS "t19"
), "t33" AS (
  SELECT
    *
  FROM (
    SELECT
      "t29"."start",
      "t25"."d2" AS "cur",
      "t25"."t2" AS "t_last",
      "t25"."m2" AS "a_last",
      "t29"."id1",
      "t25"."id2",
      "t25"."s2"
    FROM "t23" AS "t29"
    INNER JOIN (
      SELECT
        "t19"."src" AS "s2",
        "t19"."dst" AS "d2",
        "t19"."epoch_s" AS "t2",
        "t19"."amount_cny" AS "m2",
        "t19"."txn_id" AS "id2"
      FROM "t18" AS "t19"
    ) AS "t25"
      ON "t29"."cur" = "t25"."s2"
      AND "t25"."t2" >= "t29"."t_last"
      AND "t25"."t2" <= (
        "t29"."t_last" + 864000
      )
      AND "t25"."m2" >= (
        "t29"."a_last" * 0.75
      )
      AND "t25"."m2" <= (
        "t29"."a_last" * 1.25
      )
  ) AS "t31"
  WHERE
    "t31"."cur" <> "t31"."start"
)
SELECT
  "t48"."acct" AS "account_id",
  COALESCE("t6"."cust", "t48"."acct") AS "customer_id",
  CAST(NULL AS DATE) AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t48"."n_cycles" AS DOUBLE) AS "value",
  1.0 AS "threshold",
  "t48"."n_cycles" AS "txn_count",
  CASE
    WHEN "t48"."ids" IS NULL
    THEN NULL
    ELSE LIST_DISTINCT("t48"."ids") + CASE
      WHEN LIST_BOOL_OR(LIST_APPLY("t48"."ids", x -> x IS NULL))
      THEN [NULL]
      ELSE []
    END
  END AS "txn_ids"
FROM (
  SELECT
    "t46"."acct",
    COUNT(*) AS "n_cycles",
    FLATTEN(ARRAY_AGG("t46"."ids") FILTER(WHERE
      "t46"."ids" IS NOT NULL)) AS "ids"
  FROM (
    SELECT
      UNNEST("t45"."accts") AS "acct",
      "t45"."ids"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            CAST(["t30"."id1", "t25"."id2"] AS TEXT[]) AS "ids",
            CAST(["t30"."start", "t25"."s2"] AS TEXT[]) AS "accts"
          FROM "t23" AS "t30"
          INNER JOIN (
            SELECT
              "t19"."src" AS "s2",
              "t19"."dst" AS "d2",
              "t19"."epoch_s" AS "t2",
              "t19"."amount_cny" AS "m2",
              "t19"."txn_id" AS "id2"
            FROM "t18" AS "t19"
          ) AS "t25"
            ON "t30"."cur" = "t25"."s2"
            AND "t30"."start" = "t25"."d2"
            AND "t25"."t2" >= "t30"."t_last"
            AND "t25"."t2" <= (
              "t30"."t_last" + 864000
            )
            AND "t25"."m2" >= (
              "t30"."a_last" * 0.75
            )
            AND "t25"."m2" <= (
              "t30"."a_last" * 1.25
            )
        ) AS "t32"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            CAST(["t37"."id1", "t37"."id2", "t26"."id3"] AS TEXT[]) AS "ids",
            CAST(["t37"."start", "t37"."s2", "t26"."s3"] AS TEXT[]) AS "accts"
          FROM "t33" AS "t37"
          INNER JOIN (
            SELECT
              "t19"."src" AS "s3",
              "t19"."dst" AS "d3",
              "t19"."epoch_s" AS "t3",
              "t19"."amount_cny" AS "m3",
              "t19"."txn_id" AS "id3"
            FROM "t18" AS "t19"
          ) AS "t26"
            ON "t37"."cur" = "t26"."s3"
            AND "t37"."start" = "t26"."d3"
            AND "t26"."t3" >= "t37"."t_last"
            AND "t26"."t3" <= (
              "t37"."t_last" + 864000
            )
            AND "t26"."m3" >= (
              "t37"."a_last" * 0.75
            )
            AND "t26"."m3" <= (
              "t37"."a_last" * 1.25
            )
        ) AS "t39"
      ) AS "t40"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          CAST(["t43"."id1", "t43"."id2", "t43"."id3", "t24"."id4"] AS TEXT[]) AS "ids",
          CAST(["t43"."start", "t43"."s2", "t43"."s3", "t24"."s4"] AS TEXT[]) AS "accts"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t36"."start",
              "t26"."d3" AS "cur",
              "t26"."t3" AS "t_last",
              "t26"."m3" AS "a_last",
              "t36"."id1",
              "t36"."id2",
              "t26"."id3",
              "t36"."s2",
              "t26"."s3"
            FROM "t33" AS "t36"
            INNER JOIN (
              SELECT
                "t19"."src" AS "s3",
                "t19"."dst" AS "d3",
                "t19"."epoch_s" AS "t3",
                "t19"."amount_cny" AS "m3",
                "t19"."txn_id" AS "id3"
              FROM "t18" AS "t19"
            ) AS "t26"
              ON "t36"."cur" = "t26"."s3"
              AND "t26"."t3" >= "t36"."t_last"
              AND "t26"."t3" <= (
                "t36"."t_last" + 864000
              )
              AND "t26"."m3" >= (
                "t36"."a_last" * 0.75
              )
              AND "t26"."m3" <= (
                "t36"."a_last" * 1.25
              )
          ) AS "t38"
          WHERE
            "t38"."cur" <> "t38"."start"
        ) AS "t43"
        INNER JOIN (
          SELECT
            "t19"."src" AS "s4",
            "t19"."dst" AS "d4",
            "t19"."epoch_s" AS "t4",
            "t19"."amount_cny" AS "m4",
            "t19"."txn_id" AS "id4"
          FROM "t18" AS "t19"
        ) AS "t24"
          ON "t43"."cur" = "t24"."s4"
          AND "t43"."start" = "t24"."d4"
          AND "t24"."t4" >= "t43"."t_last"
          AND "t24"."t4" <= (
            "t43"."t_last" + 864000
          )
          AND "t24"."m4" >= (
            "t43"."a_last" * 0.75
          )
          AND "t24"."m4" <= (
            "t43"."a_last" * 1.25
          )
      ) AS "t44"
    ) AS "t45"
  ) AS "t46"
  GROUP BY
    1
) AS "t48"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t48"."acct" = "t6"."account_id"
