SELECT
  `t8`.`account_id`,
  `t8`.`customer_id`,
  `t8`.`local_date` AS `date`,
  `t8`.`direction`,
  `t8`.`unit` AS `currency`,
  `t8`.`total` / 100.0 AS `value`,
  `t8`.`lim` / 100.0 AS `threshold`,
  `t8`.`txn_count`,
  `t8`.`txn_ids`
FROM (
  SELECT
    `t7`.`customer_id`,
    `t7`.`local_date`,
    `t7`.`direction`,
    `t7`.`unit`,
    `t7`.`total`,
    `t7`.`txn_count`,
    `t7`.`account_id`,
    `t7`.`lim`,
    COLLECT_LIST(`t7`.`id_`) AS `txn_ids`
  FROM (
    SELECT
      `t6`.`customer_id`,
      `t6`.`local_date`,
      `t6`.`direction`,
      `t6`.`unit`,
      `t6`.`total`,
      `t6`.`txn_count`,
      `t6`.`account_id`,
      `t6`.`lim`,
      `t2`.`k0_`,
      `t2`.`k1_`,
      `t2`.`k2_`,
      `t2`.`k3_`,
      `t2`.`id_`
    FROM (
      SELECT
        `t4`.`customer_id`,
        `t4`.`local_date`,
        `t4`.`direction`,
        `t4`.`unit`,
        `t4`.`total`,
        `t4`.`txn_count`,
        `t4`.`account_id`,
        IF(`t4`.`unit` = 'CNY', 20000000, 1000000) AS `lim`
      FROM (
        SELECT
          `t3`.`customer_id`,
          `t3`.`local_date`,
          `t3`.`direction`,
          `t3`.`unit`,
          SUM(`t3`.`measure`) AS `total`,
          COUNT(*) AS `txn_count`,
          MIN(`t3`.`account_id`) AS `account_id`
        FROM (
          SELECT
            `t0`.`txn_id`,
            `t0`.`ts`,
            `t0`.`account_id`,
            `t0`.`customer_id`,
            `t0`.`customer_type`,
            `t0`.`direction`,
            `t0`.`amount`,
            `t0`.`currency`,
            `t0`.`channel`,
            `t0`.`counterparty_account_id`,
            `t0`.`counterparty_bank`,
            `t0`.`counterparty_country`,
            `t0`.`cross_border`,
            `t0`.`local_date`,
            `t0`.`epoch_s`,
            `t0`.`amount_cny`,
            `t0`.`amount_usd`,
            IF(`t0`.`currency` = 'CNY', 'CNY', 'USD') AS `unit`,
            IF(
              `t0`.`currency` = 'CNY',
              CAST(ROUND(`t0`.`amount` * 100, 0) AS BIGINT),
              CAST(ROUND(`t0`.`amount_usd` * 100, 0) AS BIGINT)
            ) AS `measure`
          FROM `transactions` AS `t0`
          WHERE
            `t0`.`channel` IN ('transfer', 'card', 'other')
            AND `t0`.`customer_type` = 'individual'
            AND `t0`.`cross_border` = TRUE
        ) AS `t3`
        GROUP BY
          1,
          2,
          3,
          4
      ) AS `t4`
      WHERE
        `t4`.`total` >= IF(`t4`.`unit` = 'CNY', 20000000, 1000000)
    ) AS `t6`
    INNER JOIN (
      SELECT
        `t0`.`customer_id` AS `k0_`,
        `t0`.`local_date` AS `k1_`,
        `t0`.`direction` AS `k2_`,
        IF(`t0`.`currency` = 'CNY', 'CNY', 'USD') AS `k3_`,
        `t0`.`txn_id` AS `id_`
      FROM `transactions` AS `t0`
      WHERE
        `t0`.`channel` IN ('transfer', 'card', 'other')
        AND `t0`.`customer_type` = 'individual'
        AND `t0`.`cross_border` = TRUE
    ) AS `t2`
      ON `t6`.`customer_id` = `t2`.`k0_`
      AND `t6`.`local_date` = `t2`.`k1_`
      AND `t6`.`direction` = `t2`.`k2_`
      AND `t6`.`unit` = `t2`.`k3_`
  ) AS `t7`
  GROUP BY
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8
) AS `t8`
