SELECT
  `t3`.`account_id`,
  `t3`.`cust` AS `customer_id`,
  `t3`.`day` AS `date`,
  'out' AS `direction`,
  'CNY' AS `currency`,
  `t3`.`total` / 100.0 AS `value`,
  CAST(ROUND(`t3`.`mu` + (
    `t3`.`sd` * 4.0
  ), 0) AS BIGINT) / 100.0 AS `threshold`,
  `t3`.`n` AS `txn_count`,
  `t3`.`ids` AS `txn_ids`
FROM (
  SELECT
    `t2`.`account_id`,
    `t2`.`win`,
    `t2`.`cust`,
    `t2`.`ctype`,
    `t2`.`total`,
    `t2`.`n`,
    `t2`.`ids`,
    `t2`.`day`,
    AVG(`t2`.`total`) OVER (
      PARTITION BY `t2`.`ctype`, `t2`.`win`
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS `mu`,
    STDDEV_POP(`t2`.`total`) OVER (
      PARTITION BY `t2`.`ctype`, `t2`.`win`
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS `sd`,
    COUNT(*) OVER (
      PARTITION BY `t2`.`ctype`, `t2`.`win`
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS `peers`
  FROM (
    SELECT
      `t1`.`account_id`,
      `t1`.`win`,
      MIN(`t1`.`customer_id`) AS `cust`,
      MIN(`t1`.`customer_type`) AS `ctype`,
      SUM(CAST(ROUND(`t1`.`amount_cny` * 100, 0) AS BIGINT)) AS `total`,
      COUNT(*) AS `n`,
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
        `t0`.`attributes`,
        CAST(FLOOR((
          DATEDIFF(DAY, MAKE_DATE(1970, 1, 1), `t0`.`local_date`)
        ) / (
          30
        )) AS BIGINT) AS `win`
      FROM `transactions` AS `t0`
      WHERE
        `t0`.`direction` = 'out'
    ) AS `t1`
    GROUP BY
      1,
      2
  ) AS `t2`
) AS `t3`
WHERE
  `t3`.`peers` >= 20
  AND `t3`.`total` > CAST(ROUND(`t3`.`mu` + (
    `t3`.`sd` * 4.0
  ), 0) AS BIGINT)
  AND `t3`.`total` >= 10000000
