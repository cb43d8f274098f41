WITH `t9` AS (
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
)
SELECT
  `t19`.`acct` AS `account_id`,
  COALESCE(`t6`.`cust`, `t19`.`acct`) AS `customer_id`,
  `t19`.`day` AS `date`,
  'out' AS `direction`,
  'CNY' AS `currency`,
  CAST(`t19`.`n_cp` AS DOUBLE) AS `value`,
  10.0 AS `threshold`,
  `t19`.`txn_count`,
  `t19`.`txn_ids`
FROM (
  SELECT
    `t17`.`acct`,
    `t17`.`win`,
    `t17`.`n_cp`,
    `t17`.`total`,
    `t17`.`txn_count`,
    `t17`.`day`,
    COLLECT_LIST(`t17`.`id_`) AS `txn_ids`
  FROM (
    SELECT
      `t16`.`acct`,
      `t16`.`win`,
      `t16`.`n_cp`,
      `t16`.`total`,
      `t16`.`txn_count`,
      `t16`.`day`,
      `t13`.`k0_`,
      `t13`.`k1_`,
      `t13`.`id_`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t12`.`acct`,
          `t12`.`win`,
          COUNT(DISTINCT `t12`.`cp`) AS `n_cp`,
          SUM(CAST(ROUND(`t12`.`amount_cny` * 100, 0) AS BIGINT)) AS `total`,
          COUNT(*) AS `txn_count`,
          MIN(`t12`.`local_date`) AS `day`
        FROM (
          SELECT
            `t10`.`src`,
            `t10`.`dst`,
            `t10`.`epoch_s`,
            `t10`.`amount_cny`,
            `t10`.`txn_id`,
            `t10`.`local_date`,
            `t10`.`src` AS `acct`,
            `t10`.`dst` AS `cp`,
            CAST(FLOOR((
              DATEDIFF(DAY, MAKE_DATE(1970, 1, 1), `t10`.`local_date`)
            ) / (
              7
            )) AS BIGINT) AS `win`
          FROM `t9` AS `t10`
          WHERE
            `t10`.`amount_cny` >= 1000.0
        ) AS `t12`
        GROUP BY
          1,
          2
      ) AS `t14`
      WHERE
        `t14`.`n_cp` >= 10
    ) AS `t16`
    INNER JOIN (
      SELECT
        `t10`.`src` AS `k0_`,
        CAST(FLOOR((
          DATEDIFF(DAY, MAKE_DATE(1970, 1, 1), `t10`.`local_date`)
        ) / (
          7
        )) AS BIGINT) AS `k1_`,
        `t10`.`txn_id` AS `id_`
      FROM `t9` AS `t10`
      WHERE
        `t10`.`amount_cny` >= 1000.0
    ) AS `t13`
      ON `t16`.`acct` = `t13`.`k0_` AND `t16`.`win` = `t13`.`k1_`
  ) AS `t17`
  GROUP BY
    1,
    2,
    3,
    4,
    5,
    6
) AS `t19`
LEFT OUTER JOIN (
  SELECT
    `t0`.`account_id`,
    MIN(`t0`.`customer_id`) AS `cust`
  FROM `transactions` AS `t0`
  GROUP BY
    1
) AS `t6`
  ON `t19`.`acct` = `t6`.`account_id`
