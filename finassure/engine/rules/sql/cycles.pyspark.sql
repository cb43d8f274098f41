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
), `t15` AS (
  SELECT
    `t14`.`start`,
    `t13`.`d2` AS `cur`,
    `t13`.`t2` AS `t_last`,
    CONCAT(`t14`.`ids`, ARRAY(`t13`.`id2`)) AS `ids`,
    CONCAT(`t14`.`accts`, ARRAY(`t13`.`s2`)) AS `accts`
  FROM (
    SELECT
      `t10`.`src` AS `start`,
      `t10`.`dst` AS `cur`,
      `t10`.`epoch_s` AS `t_last`,
      ARRAY(`t10`.`txn_id`) AS `ids`,
      ARRAY(`t10`.`src`) AS `accts`
    FROM `t9` AS `t10`
    WHERE
      `t10`.`amount_cny` >= 1000.0
  ) AS `t14`
  INNER JOIN (
    SELECT
      `t10`.`src` AS `s2`,
      `t10`.`dst` AS `d2`,
      `t10`.`epoch_s` AS `t2`,
      `t10`.`txn_id` AS `id2`
    FROM `t9` AS `t10`
    WHERE
      `t10`.`amount_cny` >= 1000.0
  ) AS `t13`
    ON `t14`.`cur` = `t13`.`s2`
    AND `t13`.`t2` >= `t14`.`t_last`
    AND `t13`.`t2` <= (
      `t14`.`t_last` + 864000
    )
), `t20` AS (
  SELECT
    `t19`.`start`,
    `t13`.`d2` AS `cur`,
    `t13`.`t2` AS `t_last`,
    CONCAT(`t19`.`ids`, ARRAY(`t13`.`id2`)) AS `ids`,
    CONCAT(`t19`.`accts`, ARRAY(`t13`.`s2`)) AS `accts`
  FROM (
    SELECT
      *
    FROM `t15` AS `t16`
    WHERE
      `t16`.`cur` <> `t16`.`start`
  ) AS `t19`
  INNER JOIN (
    SELECT
      `t10`.`src` AS `s2`,
      `t10`.`dst` AS `d2`,
      `t10`.`epoch_s` AS `t2`,
      `t10`.`txn_id` AS `id2`
    FROM `t9` AS `t10`
    WHERE
      `t10`.`amount_cny` >= 1000.0
  ) AS `t13`
    ON `t19`.`cur` = `t13`.`s2`
    AND `t13`.`t2` >= `t19`.`t_last`
    AND `t13`.`t2` <= (
      `t19`.`t_last` + 864000
    )
)
SELECT
  `t31`.`acct` AS `account_id`,
  COALESCE(`t6`.`cust`, `t31`.`acct`) AS `customer_id`,
  CAST(NULL AS DATE) AS `date`,
  CAST(NULL AS STRING) AS `direction`,
  'CNY' AS `currency`,
  CAST(`t31`.`n_cycles` AS DOUBLE) AS `value`,
  1.0 AS `threshold`,
  `t31`.`n_cycles` AS `txn_count`,
  ARRAY_DISTINCT(`t31`.`ids`) AS `txn_ids`
FROM (
  SELECT
    `t29`.`acct`,
    COUNT(*) AS `n_cycles`,
    FLATTEN(COLLECT_LIST(`t29`.`ids`)) AS `ids`
  FROM (
    SELECT
      EXPLODE(`t28`.`accts`) AS `acct`,
      `t28`.`ids`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            *
          FROM `t15` AS `t16`
          WHERE
            `t16`.`cur` = `t16`.`start`
        ) AS `t17`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            *
          FROM `t20` AS `t21`
          WHERE
            `t21`.`cur` = `t21`.`start`
        ) AS `t22`
      ) AS `t24`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t25`.`start`,
            `t13`.`d2` AS `cur`,
            `t13`.`t2` AS `t_last`,
            CONCAT(`t25`.`ids`, ARRAY(`t13`.`id2`)) AS `ids`,
            CONCAT(`t25`.`accts`, ARRAY(`t13`.`s2`)) AS `accts`
          FROM (
            SELECT
              *
            FROM `t20` AS `t21`
            WHERE
              `t21`.`cur` <> `t21`.`start`
          ) AS `t25`
          INNER JOIN (
            SELECT
              `t10`.`src` AS `s2`,
              `t10`.`dst` AS `d2`,
              `t10`.`epoch_s` AS `t2`,
              `t10`.`txn_id` AS `id2`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t13`
            ON `t25`.`cur` = `t13`.`s2`
            AND `t13`.`t2` >= `t25`.`t_last`
            AND `t13`.`t2` <= (
              `t25`.`t_last` + 864000
            )
        ) AS `t26`
        WHERE
          `t26`.`cur` = `t26`.`start`
      ) AS `t27`
    ) AS `t28`
  ) AS `t29`
  GROUP BY
    1
) AS `t31`
LEFT OUTER JOIN (
  SELECT
    `t0`.`account_id`,
    MIN(`t0`.`customer_id`) AS `cust`
  FROM `transactions` AS `t0`
  GROUP BY
    1
) AS `t6`
  ON `t31`.`acct` = `t6`.`account_id`
