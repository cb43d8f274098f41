SELECT
  `t2`.`account_id`,
  `t2`.`customer_id`,
  `t2`.`local_date` AS `date`,
  `t2`.`direction`,
  'CNY' AS `currency`,
  `t2`.`total` / 100.0 AS `value`,
  50000.0 AS `threshold`,
  `t2`.`txn_count`,
  `t2`.`txn_ids`
FROM (
  SELECT
    `t1`.`customer_id`,
    `t1`.`local_date`,
    `t1`.`direction`,
    SUM(CAST(ROUND(`t1`.`amount_cny` * 100, 0) AS BIGINT)) AS `total`,
    SUM(`t1`.`near`) AS `n_near`,
    COUNT(*) AS `txn_count`,
    COLLECT_LIST(`t1`.`txn_id`) AS `txn_ids`,
    MIN(`t1`.`account_id`) AS `account_id`
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
      CAST((
        `t0`.`amount_cny` >= 45000.0
      ) AND (
        `t0`.`amount_cny` < 50000.0
      ) AS BIGINT) AS `near`
    FROM `transactions` AS `t0`
    WHERE
      `t0`.`channel` IN ('cash')
  ) AS `t1`
  GROUP BY
    1,
    2,
    3
) AS `t2`
WHERE
  (
    (
      `t2`.`n_near` >= 2
    ) AND (
      `t2`.`total` < 15000000
    )
  )
  OR (
    (
      `t2`.`total` >= 4500000
    )
    AND (
      `t2`.`total` < 5000000
    )
    AND (
      `t2`.`txn_count` >= 2
    )
  )
