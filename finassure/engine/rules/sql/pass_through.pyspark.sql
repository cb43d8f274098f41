SELECT
  `t8`.`acct` AS `account_id`,
  `t8`.`cust` AS `customer_id`,
  CAST(NULL AS DATE) AS `date`,
  CAST(NULL AS STRING) AS `direction`,
  'CNY' AS `currency`,
  `t8`.`total` / 100.0 AS `value`,
  2.0 AS `threshold`,
  `t8`.`pairs` AS `txn_count`,
  CONCAT(`t8`.`ids_in`, `t8`.`ids_out`) AS `txn_ids`
FROM (
  SELECT
    `t7`.`acct`,
    `t7`.`cust`,
    COUNT(*) AS `pairs`,
    SUM(CAST(ROUND(`t7`.`a_out` * 100, 0) AS BIGINT)) AS `total`,
    COLLECT_LIST(`t7`.`id_in`) AS `ids_in`,
    COLLECT_LIST(`t7`.`id_out`) AS `ids_out`,
    MIN(`t7`.`t_in`) AS `day`
  FROM (
    SELECT
      `t6`.`acct`,
      `t6`.`cust`,
      `t6`.`t_in`,
      `t6`.`a_in`,
      `t6`.`id_in`,
      `t6`.`bk`,
      `t4`.`acct_o`,
      `t4`.`t_out`,
      `t4`.`a_out`,
      `t4`.`id_out`,
      `t4`.`bk_o`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t0`.`account_id` AS `acct`,
          `t0`.`customer_id` AS `cust`,
          `t0`.`epoch_s` AS `t_in`,
          `t0`.`amount_cny` AS `a_in`,
          `t0`.`txn_id` AS `id_in`,
          CAST(FLOOR((
            `t0`.`epoch_s`
          ) / (
            172800
          )) AS BIGINT) AS `bk`
        FROM `transactions` AS `t0`
        WHERE
          `t0`.`amount_cny` >= 10000.0 AND `t0`.`direction` = 'in'
      ) AS `t1`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          `t0`.`account_id` AS `acct`,
          `t0`.`customer_id` AS `cust`,
          `t0`.`epoch_s` AS `t_in`,
          `t0`.`amount_cny` AS `a_in`,
          `t0`.`txn_id` AS `id_in`,
          CAST(FLOOR((
            `t0`.`epoch_s`
          ) / (
            172800
          )) AS BIGINT) + 1 AS `bk`
        FROM `transactions` AS `t0`
        WHERE
          `t0`.`amount_cny` >= 10000.0 AND `t0`.`direction` = 'in'
      ) AS `t3`
    ) AS `t6`
    INNER JOIN (
      SELECT
        `t0`.`account_id` AS `acct_o`,
        `t0`.`epoch_s` AS `t_out`,
        `t0`.`amount_cny` AS `a_out`,
        `t0`.`txn_id` AS `id_out`,
        CAST(FLOOR((
          `t0`.`epoch_s`
        ) / (
          172800
        )) AS BIGINT) AS `bk_o`
      FROM `transactions` AS `t0`
      WHERE
        `t0`.`amount_cny` >= 10000.0 AND `t0`.`direction` = 'out'
    ) AS `t4`
      ON `t6`.`acct` = `t4`.`acct_o`
      AND `t6`.`bk` = `t4`.`bk_o`
      AND `t4`.`t_out` >= `t6`.`t_in`
      AND `t4`.`t_out` <= (
        `t6`.`t_in` + 172800
      )
      AND `t4`.`a_out` >= (
        `t6`.`a_in` * 0.9
      )
      AND `t4`.`a_out` <= (
        `t6`.`a_in` * 1.0001
      )
  ) AS `t7`
  GROUP BY
    1,
    2
) AS `t8`
WHERE
  `t8`.`pairs` >= 2
