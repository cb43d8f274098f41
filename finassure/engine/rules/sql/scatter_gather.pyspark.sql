WITH `t10` AS (
  SELECT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        `t0`.`account_id` AS `src`,
        `t0`.`counterparty_account_id` AS `dst`,
        `t0`.`epoch_s`,
        `t0`.`amount_cny`,
        `t0`.`txn_id`,
        `t0`.`local_date`
      FROM `transactions` AS `t0`
      WHERE
        `t0`.`counterparty_account_id` IS NOT NULL AND `t0`.`direction` = 'out'
    ) AS `t4`
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        `t7`.`counterparty_account_id` AS `src`,
        `t7`.`account_id` AS `dst`,
        `t7`.`epoch_s`,
        `t7`.`amount_cny`,
        `t7`.`txn_id`,
        `t7`.`local_date`
      FROM (
        SELECT
          *
        FROM `transactions` AS `t0`
        WHERE
          `t0`.`counterparty_account_id` IS NOT NULL AND `t0`.`direction` = 'in'
      ) AS `t7`
      LEFT ANTI JOIN (
        SELECT DISTINCT
          `t0`.`account_id` AS `acct`
        FROM `transactions` AS `t0`
      ) AS `t2`
        ON `t7`.`counterparty_account_id` = `t2`.`acct`
    ) AS `t8`
  ) AS `t9`
  WHERE
    `t9`.`amount_cny` >= 1000.0
), `t26` AS (
  SELECT
    `t25`.`o`,
    `t25`.`b`,
    MAX(`t25`.`n_mid`) AS `n_mid`,
    CONCAT(COLLECT_LIST(`t25`.`id1`), COLLECT_LIST(`t25`.`id2`)) AS `ids`,
    MIN(`t25`.`day`) AS `day`,
    COUNT(*) AS `n`
  FROM (
    SELECT
      `t12`.`src` AS `o`,
      `t12`.`dst` AS `m`,
      `t12`.`epoch_s` AS `t1`,
      `t12`.`txn_id` AS `id1`,
      `t20`.`m2`,
      `t20`.`b`,
      `t20`.`t2`,
      `t20`.`id2`,
      `t20`.`day`,
      `t24`.`po`,
      `t24`.`pb`,
      `t24`.`n_mid`
    FROM `t10` AS `t12`
    LEFT SEMI JOIN (
      SELECT
        *
      FROM (
        SELECT
          `t11`.`src` AS `o_`,
          COUNT(DISTINCT `t11`.`dst`) AS `n_`
        FROM `t10` AS `t11`
        GROUP BY
          1
      ) AS `t14`
      WHERE
        `t14`.`n_` >= 3
    ) AS `t18`
      ON `t12`.`src` = `t18`.`o_`
    INNER JOIN (
      SELECT
        `t12`.`src` AS `m2`,
        `t12`.`dst` AS `b`,
        `t12`.`epoch_s` AS `t2`,
        `t12`.`txn_id` AS `id2`,
        `t12`.`local_date` AS `day`
      FROM `t10` AS `t12`
      LEFT SEMI JOIN (
        SELECT
          *
        FROM (
          SELECT
            `t11`.`dst` AS `b_`,
            COUNT(DISTINCT `t11`.`src`) AS `n_`
          FROM `t10` AS `t11`
          GROUP BY
            1
        ) AS `t13`
        WHERE
          `t13`.`n_` >= 3
      ) AS `t17`
        ON `t12`.`dst` = `t17`.`b_`
    ) AS `t20`
      ON `t12`.`dst` = `t20`.`m2`
      AND `t20`.`t2` >= `t12`.`epoch_s`
      AND `t20`.`t2` <= (
        `t12`.`epoch_s` + 864000
      )
      AND `t12`.`src` <> `t20`.`b`
    INNER JOIN (
      SELECT
        `t22`.`o` AS `po`,
        `t22`.`b` AS `pb`,
        `t22`.`n_mid`
      FROM (
        SELECT
          `t21`.`o`,
          `t21`.`b`,
          COUNT(DISTINCT `t21`.`m`) AS `n_mid`
        FROM (
          SELECT
            `t12`.`src` AS `o`,
            `t12`.`dst` AS `m`,
            `t12`.`epoch_s` AS `t1`,
            `t12`.`txn_id` AS `id1`,
            `t20`.`m2`,
            `t20`.`b`,
            `t20`.`t2`,
            `t20`.`id2`,
            `t20`.`day`
          FROM `t10` AS `t12`
          LEFT SEMI JOIN (
            SELECT
              *
            FROM (
              SELECT
                `t11`.`src` AS `o_`,
                COUNT(DISTINCT `t11`.`dst`) AS `n_`
              FROM `t10` AS `t11`
              GROUP BY
                1
            ) AS `t14`
            WHERE
              `t14`.`n_` >= 3
          ) AS `t18`
            ON `t12`.`src` = `t18`.`o_`
          INNER JOIN (
            SELECT
              `t12`.`src` AS `m2`,
              `t12`.`dst` AS `b`,
              `t12`.`epoch_s` AS `t2`,
              `t12`.`txn_id` AS `id2`,
              `t12`.`local_date` AS `day`
            FROM `t10` AS `t12`
            LEFT SEMI JOIN (
              SELECT
                *
              FROM (
                SELECT
                  `t11`.`dst` AS `b_`,
                  COUNT(DISTINCT `t11`.`src`) AS `n_`
                FROM `t10` AS `t11`
                GROUP BY
                  1
              ) AS `t13`
              WHERE
                `t13`.`n_` >= 3
            ) AS `t17`
              ON `t12`.`dst` = `t17`.`b_`
          ) AS `t20`
            ON `t12`.`dst` = `t20`.`m2`
            AND `t20`.`t2` >= `t12`.`epoch_s`
            AND `t20`.`t2` <= (
              `t12`.`epoch_s` + 864000
            )
            AND `t12`.`src` <> `t20`.`b`
        ) AS `t21`
        GROUP BY
          1,
          2
      ) AS `t22`
      WHERE
        `t22`.`n_mid` >= 3
    ) AS `t24`
      ON `t12`.`src` = `t24`.`po` AND `t20`.`b` = `t24`.`pb`
  ) AS `t25`
  GROUP BY
    1,
    2
)
SELECT
  `t32`.`acct` AS `account_id`,
  COALESCE(`t6`.`cust`, `t32`.`acct`) AS `customer_id`,
  `t32`.`day` AS `date`,
  CAST(NULL AS STRING) AS `direction`,
  'CNY' AS `currency`,
  CAST(`t32`.`n_mid` AS DOUBLE) AS `value`,
  3.0 AS `threshold`,
  `t32`.`n` AS `txn_count`,
  ARRAY_DISTINCT(`t32`.`ids`) AS `txn_ids`
FROM (
  SELECT
    `t30`.`acct`,
    MAX(`t30`.`n_mid`) AS `n_mid`,
    FLATTEN(COLLECT_LIST(`t30`.`ids`)) AS `ids`,
    MIN(`t30`.`day`) AS `day`,
    SUM(`t30`.`n`) AS `n`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        `t27`.`o` AS `acct`,
        `t27`.`n_mid`,
        `t27`.`ids`,
        `t27`.`day`,
        `t27`.`n`
      FROM `t26` AS `t27`
    ) AS `t28`
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        `t27`.`b` AS `acct`,
        `t27`.`n_mid`,
        `t27`.`ids`,
        `t27`.`day`,
        `t27`.`n`
      FROM `t26` AS `t27`
    ) AS `t29`
  ) AS `t30`
  GROUP BY
    1
) AS `t32`
LEFT OUTER JOIN (
  SELECT
    `t0`.`account_id`,
    MIN(`t0`.`customer_id`) AS `cust`
  FROM `transactions` AS `t0`
  GROUP BY
    1
) AS `t6`
  ON `t32`.`acct` = `t6`.`account_id`
