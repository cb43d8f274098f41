SELECT
  `t2`.`account_id`,
  `t2`.`customer_id`,
  `t2`.`local_date` AS `date`,
  `t2`.`direction`,
  'CNY' AS `currency`,
  `t2`.`total` / 100.0 AS `value`,
  0.01 AS `threshold`,
  `t2`.`txn_count`,
  `t2`.`txn_ids`
FROM (
  SELECT
    `t1`.`customer_id`,
    `t1`.`local_date`,
    `t1`.`direction`,
    SUM(CAST(ROUND(`t1`.`amount_cny` * 100, 0) AS BIGINT)) AS `total`,
    COUNT(*) AS `txn_count`,
    COLLECT_LIST(`t1`.`txn_id`) AS `txn_ids`,
    MIN(`t1`.`account_id`) AS `account_id`
  FROM (
    SELECT
      *
    FROM `transactions` AS `t0`
    WHERE
      `t0`.`counterparty_country` IN ('KP', 'IR', 'MM')
  ) AS `t1`
  GROUP BY
    1,
    2,
    3
) AS `t2`
WHERE
  `t2`.`total` >= 1
