SELECT
  `t2`.`account_id`,
  `t2`.`cust` AS `customer_id`,
  `t2`.`day` AS `date`,
  CAST(NULL AS STRING) AS `direction`,
  'CNY' AS `currency`,
  CAST(`t2`.`n` AS DOUBLE) AS `value`,
  5.0 AS `threshold`,
  `t2`.`n` AS `txn_count`,
  `t2`.`ids` AS `txn_ids`
FROM (
  SELECT
    `t1`.`account_id`,
    `t1`.`win`,
    MIN(`t1`.`customer_id`) AS `cust`,
    COUNT(*) AS `n`,
    SUM(CAST(ROUND(`t1`.`amount_cny` * 100, 0) AS BIGINT)) AS `total`,
    COLLECT_LIST(`t1`.`txn_id`) AS `ids`,
    MIN(`t1`.`local_date`) AS `day`
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
      CAST(FLOOR((
        DATEDIFF(DAY, MAKE_DATE(1970, 1, 1), `t0`.`local_date`)
      ) / (
        7
      )) AS BIGINT) AS `win`
    FROM `transactions` AS `t0`
    WHERE
      `t0`.`amount_cny` >= 10000.0
      AND `t0`.`currency` = 'CNY'
      AND (
        CAST(ROUND(`t0`.`amount` * 100, 0) AS BIGINT) % 1000000
      ) = 0
  ) AS `t1`
  GROUP BY
    1,
    2
) AS `t2`
WHERE
  `t2`.`n` >= 5
