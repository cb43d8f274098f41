SELECT
  "t8"."account_id",
  "t8"."cust" AS "customer_id",
  "t8"."local_date" AS "date",
  CAST(NULL AS TEXT) AS "direction",
  'CNY' AS "currency",
  "t8"."total" / 100.0 AS "value",
  CAST(ROUND((
    "t8"."avg_total" * 5.0
  ) / 100.0, 2) AS DOUBLE) AS "threshold",
  "t8"."n" AS "txn_count",
  "t8"."ids" AS "txn_ids"
FROM (
  SELECT
    "t7"."account_id",
    "t7"."local_date",
    "t7"."cust",
    "t7"."total",
    "t7"."n",
    "t7"."first_s",
    "t7"."last_s",
    "t7"."avg_total",
    "t7"."avg_n",
    "t7"."n_hist",
    ARRAY_AGG("t7"."id_") AS "ids"
  FROM (
    SELECT
      "t6"."account_id",
      "t6"."local_date",
      "t6"."cust",
      "t6"."total",
      "t6"."n",
      "t6"."first_s",
      "t6"."last_s",
      "t6"."avg_total",
      "t6"."avg_n",
      "t6"."n_hist",
      "t2"."k0_",
      "t2"."k1_",
      "t2"."id_"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t3"."account_id",
          "t3"."local_date",
          "t3"."cust",
          "t3"."total",
          "t3"."n",
          "t3"."first_s",
          "t3"."last_s",
          AVG("t3"."total") OVER (
            PARTITION BY "t3"."account_id"
            ORDER BY "t3"."local_date" ASC
            ROWS BETWEEN 30 preceding AND 1 preceding
          ) AS "avg_total",
          AVG("t3"."n") OVER (
            PARTITION BY "t3"."account_id"
            ORDER BY "t3"."local_date" ASC
            ROWS BETWEEN 30 preceding AND 1 preceding
          ) AS "avg_n",
          COUNT("t3"."n") OVER (
            PARTITION BY "t3"."account_id"
            ORDER BY "t3"."local_date" ASC
            ROWS BETWEEN 30 preceding AND 1 preceding
          ) AS "n_hist"
        FROM (
          SELECT
            "t0"."account_id",
            "t0"."local_date",
            MIN("t0"."customer_id") AS "cust",
            SUM(CAST(ROUND("t0"."amount_cny" * 100, 0) AS BIGINT)) AS "total",
            COUNT(*) AS "n",
            MIN("t0"."epoch_s") AS "first_s",
            MAX("t0"."epoch_s") AS "last_s"
          FROM "transactions" AS "t0"
          GROUP BY
            1,
            2
        ) AS "t3"
      ) AS "t4"
      WHERE
        "t4"."n_hist" >= 5
        AND "t4"."total" >= 2000000
        AND (
          (
            "t4"."total" >= (
              "t4"."avg_total" * 5.0
            )
          )
          OR (
            "t4"."n" >= (
              "t4"."avg_n" * 5.0
            )
          )
        )
    ) AS "t6"
    INNER JOIN (
      SELECT
        "t0"."account_id" AS "k0_",
        "t0"."local_date" AS "k1_",
        "t0"."txn_id" AS "id_"
      FROM "transactions" AS "t0"
    ) AS "t2"
      ON "t6"."account_id" = "t2"."k0_" AND "t6"."local_date" = "t2"."k1_"
  ) AS "t7"
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
    10
) AS "t8"
