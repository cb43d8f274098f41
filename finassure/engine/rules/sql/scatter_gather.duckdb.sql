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
), "t16" AS (
  SELECT
    *
  FROM "t10" AS "t11"
  WHERE
    "t11"."dst" IN (
      SELECT
        "t12"."b_"
      FROM (
        SELECT
          "t11"."dst" AS "b_",
          COUNT(DISTINCT "t11"."src") AS "n_"
        FROM "t10" AS "t11"
        GROUP BY
          1
      ) AS "t12"
      WHERE
        "t12"."n_" >= 3
    )
), "t17" AS (
  SELECT
    *
  FROM "t10" AS "t11"
  WHERE
    "t11"."src" IN (
      SELECT
        "t13"."o_"
      FROM (
        SELECT
          "t11"."src" AS "o_",
          COUNT(DISTINCT "t11"."dst") AS "n_"
        FROM "t10" AS "t11"
        GROUP BY
          1
      ) AS "t13"
      WHERE
        "t13"."n_" >= 3
    )
), "t28" AS (
  SELECT
    "t27"."o",
    "t27"."b",
    COUNT(*) AS "n_path",
    MIN("t27"."m") AS "m_lo",
    MAX("t27"."m") AS "m_hi"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t25"."o",
        "t25"."m",
        "t25"."t1",
        "t24"."m2",
        "t24"."b",
        "t24"."t2"
      FROM (
        SELECT
          "t19"."src" AS "o",
          "t19"."dst" AS "m",
          "t19"."epoch_s" AS "t1"
        FROM "t17" AS "t19"
      ) AS "t25"
      INNER JOIN (
        SELECT
          "t18"."src" AS "m2",
          "t18"."dst" AS "b",
          "t18"."epoch_s" AS "t2"
        FROM "t16" AS "t18"
      ) AS "t24"
        ON "t25"."m" = "t24"."m2"
        AND "t24"."t2" >= "t25"."t1"
        AND "t24"."t2" <= (
          "t25"."t1" + 864000
        )
    ) AS "t26"
    WHERE
      "t26"."o" <> "t26"."b"
  ) AS "t27"
  GROUP BY
    1,
    2
), "t43" AS (
  SELECT
    "t42"."o",
    "t42"."b",
    MAX("t42"."n_mid") AS "n_mid",
    CASE
      WHEN ARRAY_AGG("t42"."id1") FILTER(WHERE
        "t42"."id1" IS NOT NULL) IS NULL
      OR ARRAY_AGG("t42"."id2") FILTER(WHERE
        "t42"."id2" IS NOT NULL) IS NULL
      THEN NULL
      ELSE LIST_CONCAT(
        ARRAY_AGG("t42"."id1") FILTER(WHERE
          "t42"."id1" IS NOT NULL),
        ARRAY_AGG("t42"."id2") FILTER(WHERE
          "t42"."id2" IS NOT NULL)
      )
    END AS "ids",
    MIN("t42"."day") AS "day",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "t36"."o",
      "t36"."m",
      "t36"."t1",
      "t36"."id1",
      "t37"."m2",
      "t37"."b",
      "t37"."t2",
      "t37"."id2",
      "t37"."day",
      "t33"."co",
      "t33"."cb",
      "t41"."po",
      "t41"."pb",
      "t41"."n_mid"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t19"."src" AS "o",
          "t19"."dst" AS "m",
          "t19"."epoch_s" AS "t1",
          "t19"."txn_id" AS "id1"
        FROM "t17" AS "t19"
      ) AS "t23"
      WHERE
        "t23"."o" IN (
          SELECT
            "t29"."o" AS "co"
          FROM "t28" AS "t29"
          WHERE
            "t29"."n_path" >= 3 AND "t29"."m_lo" <> "t29"."m_hi"
        )
    ) AS "t36"
    INNER JOIN (
      SELECT
        *
      FROM (
        SELECT
          "t18"."src" AS "m2",
          "t18"."dst" AS "b",
          "t18"."epoch_s" AS "t2",
          "t18"."txn_id" AS "id2",
          "t18"."local_date" AS "day"
        FROM "t16" AS "t18"
      ) AS "t21"
      WHERE
        "t21"."b" IN (
          SELECT
            "t29"."b" AS "cb"
          FROM "t28" AS "t29"
          WHERE
            "t29"."n_path" >= 3 AND "t29"."m_lo" <> "t29"."m_hi"
        )
    ) AS "t37"
      ON "t36"."m" = "t37"."m2"
      AND "t37"."t2" >= "t36"."t1"
      AND "t37"."t2" <= (
        "t36"."t1" + 864000
      )
    INNER JOIN (
      SELECT
        "t29"."o" AS "co",
        "t29"."b" AS "cb"
      FROM "t28" AS "t29"
      WHERE
        "t29"."n_path" >= 3 AND "t29"."m_lo" <> "t29"."m_hi"
    ) AS "t33"
      ON "t36"."o" = "t33"."co" AND "t37"."b" = "t33"."cb"
    INNER JOIN (
      SELECT
        "t39"."o" AS "po",
        "t39"."b" AS "pb",
        "t39"."n_mid"
      FROM (
        SELECT
          "t38"."o",
          "t38"."b",
          COUNT(DISTINCT "t38"."m") AS "n_mid"
        FROM (
          SELECT
            "t36"."o",
            "t36"."m",
            "t36"."t1",
            "t36"."id1",
            "t37"."m2",
            "t37"."b",
            "t37"."t2",
            "t37"."id2",
            "t37"."day",
            "t33"."co",
            "t33"."cb"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t19"."src" AS "o",
                "t19"."dst" AS "m",
                "t19"."epoch_s" AS "t1",
                "t19"."txn_id" AS "id1"
              FROM "t17" AS "t19"
            ) AS "t23"
            WHERE
              "t23"."o" IN (
                SELECT
                  "t29"."o" AS "co"
                FROM "t28" AS "t29"
                WHERE
                  "t29"."n_path" >= 3 AND "t29"."m_lo" <> "t29"."m_hi"
              )
          ) AS "t36"
          INNER JOIN (
            SELECT
              *
            FROM (
              SELECT
                "t18"."src" AS "m2",
                "t18"."dst" AS "b",
                "t18"."epoch_s" AS "t2",
                "t18"."txn_id" AS "id2",
                "t18"."local_date" AS "day"
              FROM "t16" AS "t18"
            ) AS "t21"
            WHERE
              "t21"."b" IN (
                SELECT
                  "t29"."b" AS "cb"
                FROM "t28" AS "t29"
                WHERE
                  "t29"."n_path" >= 3 AND "t29"."m_lo" <> "t29"."m_hi"
              )
          ) AS "t37"
            ON "t36"."m" = "t37"."m2"
            AND "t37"."t2" >= "t36"."t1"
            AND "t37"."t2" <= (
              "t36"."t1" + 864000
            )
          INNER JOIN (
            SELECT
              "t29"."o" AS "co",
              "t29"."b" AS "cb"
            FROM "t28" AS "t29"
            WHERE
              "t29"."n_path" >= 3 AND "t29"."m_lo" <> "t29"."m_hi"
          ) AS "t33"
            ON "t36"."o" = "t33"."co" AND "t37"."b" = "t33"."cb"
        ) AS "t38"
        GROUP BY
          1,
          2
      ) AS "t39"
      WHERE
        "t39"."n_mid" >= 3
    ) AS "t41"
      ON "t36"."o" = "t41"."po" AND "t37"."b" = "t41"."pb"
  ) AS "t42"
  GROUP BY
    1,
    2
)
SELECT
  "t49"."acct" AS "account_id",
  COALESCE("t6"."cust", "t49"."acct") AS "customer_id",
  "t49"."day" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  CAST("t49"."n_mid" AS DOUBLE) AS "value",
  3.0 AS "threshold",
  "t49"."n" AS "txn_count",
  CASE
    WHEN "t49"."ids" IS NULL
    THEN NULL
    ELSE LIST_DISTINCT("t49"."ids") + CASE
      WHEN LIST_BOOL_OR(LIST_APPLY("t49"."ids", x -> x IS NULL))
      THEN [NULL]
      ELSE []
    END
  END AS "txn_ids"
FROM (
  SELECT
    "t47"."acct",
    MAX("t47"."n_mid") AS "n_mid",
    FLATTEN(ARRAY_AGG("t47"."ids") FILTER(WHERE
      "t47"."ids" IS NOT NULL)) AS "ids",
    MIN("t47"."day") AS "day",
    SUM("t47"."n") AS "n"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t44"."o" AS "acct",
        "t44"."n_mid",
        "t44"."ids",
        "t44"."day",
        "t44"."n"
      FROM "t43" AS "t44"
    ) AS "t45"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t44"."b" AS "acct",
        "t44"."n_mid",
        "t44"."ids",
        "t44"."day",
        "t44"."n"
      FROM "t43" AS "t44"
    ) AS "t46"
  ) AS "t47"
  GROUP BY
    1
) AS "t49"
LEFT OUTER JOIN (
  SELECT
    "t0"."account_id",
    MIN("t0"."customer_id") AS "cust"
  FROM "transactions" AS "t0"
  GROUP BY
    1
) AS "t6"
  ON "t49"."acct" = "t6"."account_id"
