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
), "t28" AS (
  SELECT
    "t26"."s1" AS "pa_",
    "t24"."s2" AS "pb_",
    "t24"."d2" AS "pc_",
    "t26"."t1" AS "pt1",
    "t26"."m1" AS "pm1",
    "t24"."t2" AS "pt2",
    "t24"."m2" AS "pm2",
    "t26"."id1" AS "pid1",
    "t24"."id2" AS "pid2"
  FROM (
    SELECT
      "t19"."src" AS "s1",
      "t19"."dst" AS "d1",
      "t19"."epoch_s" AS "t1",
      "t19"."amount_cny" AS "m1",
      "t19"."txn_id" AS "id1"
    FROM "t18" AS "t19"
  ) AS "t26"
  INNER JOIN (
    SELECT
      "t19"."src" AS "s2",
      "t19"."dst" AS "d2",
      "t19"."epoch_s" AS "t2",
      "t19"."amount_cny" AS "m2",
      "t19"."txn_id" AS "id2"
    FROM "t18" AS "t19"
  ) AS "t24"
    ON "t26"."d1" = "t24"."s2"
    AND "t24"."t2" >= "t26"."t1"
    AND "t24"."t2" <= (
      "t26"."t1" + 864000
    )
    AND "t24"."m2" >= (
      "t26"."m1" * 0.75
    )
    AND "t24"."m2" <= (
      "t26"."m1" * 1.25
    )
), "t31" AS (
  SELECT
    *
  FROM "t28" AS "t29"
  WHERE
    "t29"."pc_" <> "t29"."pa_"
)
SELECT
  "t44"."acct" AS "account_id",
  COALESCE("t6"."cust", "t44"."acct") AS "customer_id",
  CAST(NULL AS DATE) AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t44"."n_cycles" AS DOUBLE) AS "value",
  1.0 AS "threshold",
  "t44"."n_cycles" AS "txn_count",
  CASE
    WHEN "t44"."ids" IS NULL
    THEN NULL
    ELSE LIST_DISTINCT("t44"."ids") + CASE
      WHEN LIST_BOOL_OR(LIST_APPLY("t44"."ids", x -> x IS NULL))
      THEN [NULL]
      ELSE []
    END
  END AS "txn_ids"
FROM (
  SELECT
    "t42"."acct",
    COUNT(*) AS "n_cycles",
    FLATTEN(ARRAY_AGG("t42"."ids") FILTER(WHERE
      "t42"."ids" IS NOT NULL)) AS "ids"
  FROM (
    SELECT
      UNNEST("t41"."accts") AS "acct",
      "t41"."ids"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            CAST(["t26"."id1", "t24"."id2"] AS TEXT[]) AS "ids",
            CAST(["t26"."s1", "t24"."s2"] AS TEXT[]) AS "accts"
          FROM (
            SELECT
              "t19"."src" AS "s1",
              "t19"."dst" AS "d1",
              "t19"."epoch_s" AS "t1",
              "t19"."amount_cny" AS "m1",
              "t19"."txn_id" AS "id1"
            FROM "t18" AS "t19"
          ) AS "t26"
          INNER JOIN (
            SELECT
              "t19"."src" AS "s2",
              "t19"."dst" AS "d2",
              "t19"."epoch_s" AS "t2",
              "t19"."amount_cny" AS "m2",
              "t19"."txn_id" AS "id2"
            FROM "t18" AS "t19"
          ) AS "t24"
            ON "t26"."d1" = "t24"."s2"
            AND "t26"."s1" = "t24"."d2"
            AND "t24"."t2" >= "t26"."t1"
            AND "t24"."t2" <= (
              "t26"."t1" + 864000
            )
            AND "t24"."m2" >= (
              "t26"."m1" * 0.75
            )
            AND "t24"."m2" <= (
              "t26"."m1" * 1.25
            )
        ) AS "t27"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            CAST(["t37"."pid1", "t37"."pid2", "t25"."id3"] AS TEXT[]) AS "ids",
            CAST(["t37"."pa_", "t37"."pb_", "t37"."pc_"] AS TEXT[]) AS "accts"
          FROM "t31" AS "t37"
          INNER JOIN (
            SELECT
              "t19"."src" AS "s3",
              "t19"."dst" AS "d3",
              "t19"."epoch_s" AS "t3",
              "t19"."amount_cny" AS "m3",
              "t19"."txn_id" AS "id3"
            FROM "t18" AS "t19"
          ) AS "t25"
            ON "t37"."pc_" = "t25"."s3"
            AND "t37"."pa_" = "t25"."d3"
            AND "t25"."t3" >= "t37"."pt2"
            AND "t25"."t3" <= (
              "t37"."pt2" + 864000
            )
            AND "t25"."m3" >= (
              "t37"."pm2" * 0.75
            )
            AND "t25"."m3" <= (
              "t37"."pm2" * 1.25
            )
        ) AS "t39"
      ) AS "t40"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          CAST(["t36"."pid1", "t36"."pid2", "t32"."qid1", "t32"."qid2"] AS TEXT[]) AS "ids",
          CAST(["t36"."pa_", "t36"."pb_", "t32"."qa_", "t32"."qb_"] AS TEXT[]) AS "accts"
        FROM "t31" AS "t36"
        INNER JOIN (
          SELECT
            "t29"."pa_" AS "qa_",
            "t29"."pb_" AS "qb_",
            "t29"."pc_" AS "qc_",
            "t29"."pt1" AS "qt1",
            "t29"."pm1" AS "qm1",
            "t29"."pid1" AS "qid1",
            "t29"."pid2" AS "qid2"
          FROM "t28" AS "t29"
          WHERE
            "t29"."pc_" <> "t29"."pa_"
        ) AS "t32"
          ON "t36"."pc_" = "t32"."qa_"
          AND "t36"."pa_" = "t32"."qc_"
          AND "t32"."qb_" <> "t36"."pa_"
          AND "t32"."qt1" >= "t36"."pt2"
          AND "t32"."qt1" <= (
            "t36"."pt2" + 864000
          )
          AND "t32"."qm1" >= (
            "t36"."pm2" * 0.75
          )
          AND "t32"."qm1" <= (
            "t36"."pm2" * 1.25
          )
      ) AS "t38"
    ) AS "t41"
  ) AS "t42"
  GROUP BY
    1
) AS "t44"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t44"."acct" = "t6"."account_id"
