SELECT
  "t9"."account_id",
  "t9"."cust" AS "customer_id",
  "t9"."day" AS "date",
  'out' AS "direction",
  'CNY' AS "currency",
  "t9"."total" / 100.0 AS "value",
  "t9"."bar" / 100.0 AS "threshold",
  "t9"."n" AS "txn_count",
  "t9"."ids" AS "txn_ids"
FROM (
  SELECT
    "t8"."account_id",
    "t8"."win",
    "t8"."cust",
    "t8"."ctype",
    "t8"."total",
    "t8"."n",
    "t8"."day",
    "t8"."mu",
    "t8"."sd",
    "t8"."peers",
    "t8"."bar",
    ARRAY_AGG("t8"."id_") AS "ids"
  FROM (
    SELECT
      "t7"."account_id",
      "t7"."win",
      "t7"."cust",
      "t7"."ctype",
      "t7"."total",
      "t7"."n",
      "t7"."day",
      "t7"."mu",
      "t7"."sd",
      "t7"."peers",
      "t7"."bar",
      "t3"."k0_",
      "t3"."k1_",
      "t3"."id_"
    FROM (
      SELECT
        "t5"."account_id",
        "t5"."win",
        "t5"."cust",
        "t5"."ctype",
        "t5"."total",
        "t5"."n",
        "t5"."day",
        "t5"."mu",
        "t5"."sd",
        "t5"."peers",
        CAST(ROUND("t5"."mu" + (
          "t5"."sd" * 4.0
        ), 0) AS BIGINT) AS "bar"
      FROM (
        SELECT
          "t4"."account_id",
          "t4"."win",
          "t4"."cust",
          "t4"."ctype",
          "t4"."total",
          "t4"."n",
          "t4"."day",
          AVG("t4"."total") OVER (
            PARTITION BY "t4"."ctype", "t4"."win"
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) AS "mu",
          STDDEV_POP("t4"."total") OVER (
            PARTITION BY "t4"."ctype", "t4"."win"
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) AS "sd",
          COUNT(*) OVER (
            PARTITION BY "t4"."ctype", "t4"."win"
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ) AS "peers"
        FROM (
          SELECT
            "t2"."account_id",
            "t2"."win",
            MIN("t2"."customer_id") AS "cust",
            MIN("t2"."customer_type") AS "ctype",
            SUM(CAST(ROUND("t2"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
            COUNT(*) AS "n",
            MIN("t2"."local_date") AS "day"
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
              CAST(FLOOR((
                DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."local_date")
              ) / (
                30
              )) AS BIGINT) AS "win"
            FROM "transactions" AS "t0"
            WHERE
              "t0"."direction" = 'out'
          ) AS "t2"
          GROUP BY
            1,
            2
        ) AS "t4"
      ) AS "t5"
      WHERE
        "t5"."peers" >= 20
        AND "t5"."total" > CAST(ROUND("t5"."mu" + (
          "t5"."sd" * 4.0
        ), 0) AS BIGINT)
        AND "t5"."total" >= 10000000
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t0"."account_id" AS "k0_",
        CAST(FLOOR((
          DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), "t0"."local_date")
        ) / (
          30
        )) AS BIGINT) AS "k1_",
        "t0"."txn_id" AS "id_"
      FROM "transactions" AS "t0"
      WHERE
        "t0"."direction" = 'out'
    ) AS "t3"
      ON "t7"."account_id" = "t3"."k0_" AND "t7"."win" = "t3"."k1_"
  ) AS "t8"
  GROUP BY
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11
) AS "t9"
