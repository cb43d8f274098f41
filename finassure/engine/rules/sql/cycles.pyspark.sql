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
  `t30`.`acct` AS `account_id`,
  COALESCE(`t6`.`cust`, `t30`.`acct`) AS `customer_id`,
  CAST(NULL AS DATE) AS `date`,
  CAST(NULL AS STRING) AS `direction`,
  'CNY' AS `currency`,
  CAST(`t30`.`n_cycles` AS DOUBLE) AS `value`,
  1.0 AS `threshold`,
  `t30`.`n_cycles` AS `txn_count`,
  ARRAY_DISTINCT(`t30`.`ids`) AS `txn_ids`
FROM (
  SELECT
    `t28`.`acct`,
    COUNT(*) AS `n_cycles`,
    FLATTEN(COLLECT_LIST(`t28`.`ids`)) AS `ids`
  FROM (
    SELECT
      EXPLODE(`t27`.`accts`) AS `acct`,
      `t27`.`ids`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            ARRAY(`t14`.`txn_id`, `t20`.`id2`) AS `ids`,
            ARRAY(`t14`.`src`, `t20`.`s2`) AS `accts`
          FROM (
            SELECT
              `t10`.`src`,
              `t10`.`dst`,
              `t10`.`epoch_s`,
              `t10`.`txn_id`,
              `t10`.`amount_cny`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t14`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`dst` AS `acct_r`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t15`
            ON `t14`.`src` = `t15`.`acct_r`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`src` AS `acct_s`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t16`
            ON `t14`.`dst` = `t16`.`acct_s`
          INNER JOIN (
            SELECT
              `t14`.`src` AS `s2`,
              `t14`.`dst` AS `d2`,
              `t14`.`epoch_s` AS `t2`,
              `t14`.`amount_cny` AS `m2`,
              `t14`.`txn_id` AS `id2`
            FROM (
              SELECT
                `t10`.`src`,
                `t10`.`dst`,
                `t10`.`epoch_s`,
                `t10`.`txn_id`,
                `t10`.`amount_cny`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t14`
            LEFT SEMI JOIN (
              SELECT DISTINCT
                `t10`.`dst` AS `acct_r`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t15`
              ON `t14`.`src` = `t15`.`acct_r`
            LEFT SEMI JOIN (
              SELECT DISTINCT
                `t10`.`src` AS `acct_s`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t16`
              ON `t14`.`dst` = `t16`.`acct_s`
          ) AS `t20`
            ON `t14`.`dst` = `t20`.`s2`
            AND `t14`.`src` = `t20`.`d2`
            AND `t20`.`t2` >= `t14`.`epoch_s`
            AND `t20`.`t2` <= (
              `t14`.`epoch_s` + 864000
            )
            AND `t20`.`m2` >= (
              `t14`.`amount_cny` * 0.75
            )
            AND `t20`.`m2` <= (
              `t14`.`amount_cny` * 1.25
            )
        ) AS `t23`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            ARRAY(`t14`.`txn_id`, `t20`.`id2`, `t21`.`id3`) AS `ids`,
            ARRAY(`t14`.`src`, `t20`.`s2`, `t21`.`s3`) AS `accts`
          FROM (
            SELECT
              `t10`.`src`,
              `t10`.`dst`,
              `t10`.`epoch_s`,
              `t10`.`txn_id`,
              `t10`.`amount_cny`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t14`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`dst` AS `acct_r`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t15`
            ON `t14`.`src` = `t15`.`acct_r`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`src` AS `acct_s`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t16`
            ON `t14`.`dst` = `t16`.`acct_s`
          INNER JOIN (
            SELECT
              `t14`.`src` AS `s2`,
              `t14`.`dst` AS `d2`,
              `t14`.`epoch_s` AS `t2`,
              `t14`.`amount_cny` AS `m2`,
              `t14`.`txn_id` AS `id2`
            FROM (
              SELECT
                `t10`.`src`,
                `t10`.`dst`,
                `t10`.`epoch_s`,
                `t10`.`txn_id`,
                `t10`.`amount_cny`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t14`
            LEFT SEMI JOIN (
              SELECT DISTINCT
                `t10`.`dst` AS `acct_r`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t15`
              ON `t14`.`src` = `t15`.`acct_r`
            LEFT SEMI JOIN (
              SELECT DISTINCT
                `t10`.`src` AS `acct_s`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t16`
              ON `t14`.`dst` = `t16`.`acct_s`
          ) AS `t20`
            ON `t14`.`dst` = `t20`.`s2`
            AND `t20`.`d2` <> `t14`.`src`
            AND `t20`.`t2` >= `t14`.`epoch_s`
            AND `t20`.`t2` <= (
              `t14`.`epoch_s` + 864000
            )
            AND `t20`.`m2` >= (
              `t14`.`amount_cny` * 0.75
            )
            AND `t20`.`m2` <= (
              `t14`.`amount_cny` * 1.25
            )
          INNER JOIN (
            SELECT
              `t14`.`src` AS `s3`,
              `t14`.`dst` AS `d3`,
              `t14`.`epoch_s` AS `t3`,
              `t14`.`amount_cny` AS `m3`,
              `t14`.`txn_id` AS `id3`
            FROM (
              SELECT
                `t10`.`src`,
                `t10`.`dst`,
                `t10`.`epoch_s`,
                `t10`.`txn_id`,
                `t10`.`amount_cny`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t14`
            LEFT SEMI JOIN (
              SELECT DISTINCT
                `t10`.`dst` AS `acct_r`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t15`
              ON `t14`.`src` = `t15`.`acct_r`
            LEFT SEMI JOIN (
              SELECT DISTINCT
                `t10`.`src` AS `acct_s`
              FROM `t9` AS `t10`
              WHERE
                `t10`.`amount_cny` >= 1000.0
            ) AS `t16`
              ON `t14`.`dst` = `t16`.`acct_s`
          ) AS `t21`
            ON `t20`.`d2` = `t21`.`s3`
            AND `t14`.`src` = `t21`.`d3`
            AND `t21`.`t3` >= `t20`.`t2`
            AND `t21`.`t3` <= (
              `t20`.`t2` + 864000
            )
            AND `t21`.`m3` >= (
              `t20`.`m2` * 0.75
            )
            AND `t21`.`m3` <= (
              `t20`.`m2` * 1.25
            )
        ) AS `t24`
      ) AS `t26`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          ARRAY(`t14`.`txn_id`, `t20`.`id2`, `t21`.`id3`, `t22`.`id4`) AS `ids`,
          ARRAY(`t14`.`src`, `t20`.`s2`, `t21`.`s3`, `t22`.`s4`) AS `accts`
        FROM (
          SELECT
            `t10`.`src`,
            `t10`.`dst`,
            `t10`.`epoch_s`,
            `t10`.`txn_id`,
            `t10`.`amount_cny`
          FROM `t9` AS `t10`
          WHERE
            `t10`.`amount_cny` >= 1000.0
        ) AS `t14`
        LEFT SEMI JOIN (
          SELECT DISTINCT
            `t10`.`dst` AS `acct_r`
          FROM `t9` AS `t10`
          WHERE
            `t10`.`amount_cny` >= 1000.0
        ) AS `t15`
          ON `t14`.`src` = `t15`.`acct_r`
        LEFT SEMI JOIN (
          SELECT DISTINCT
            `t10`.`src` AS `acct_s`
          FROM `t9` AS `t10`
          WHERE
            `t10`.`amount_cny` >= 1000.0
        ) AS `t16`
          ON `t14`.`dst` = `t16`.`acct_s`
        INNER JOIN (
          SELECT
            `t14`.`src` AS `s2`,
            `t14`.`dst` AS `d2`,
            `t14`.`epoch_s` AS `t2`,
            `t14`.`amount_cny` AS `m2`,
            `t14`.`txn_id` AS `id2`
          FROM (
            SELECT
              `t10`.`src`,
              `t10`.`dst`,
              `t10`.`epoch_s`,
              `t10`.`txn_id`,
              `t10`.`amount_cny`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t14`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`dst` AS `acct_r`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t15`
            ON `t14`.`src` = `t15`.`acct_r`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`src` AS `acct_s`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t16`
            ON `t14`.`dst` = `t16`.`acct_s`
        ) AS `t20`
          ON `t14`.`dst` = `t20`.`s2`
          AND `t20`.`d2` <> `t14`.`src`
          AND `t20`.`t2` >= `t14`.`epoch_s`
          AND `t20`.`t2` <= (
            `t14`.`epoch_s` + 864000
          )
          AND `t20`.`m2` >= (
            `t14`.`amount_cny` * 0.75
          )
          AND `t20`.`m2` <= (
            `t14`.`amount_cny` * 1.25
          )
        INNER JOIN (
          SELECT
            `t14`.`src` AS `s3`,
            `t14`.`dst` AS `d3`,
            `t14`.`epoch_s` AS `t3`,
            `t14`.`amount_cny` AS `m3`,
            `t14`.`txn_id` AS `id3`
          FROM (
            SELECT
              `t10`.`src`,
              `t10`.`dst`,
              `t10`.`epoch_s`,
              `t10`.`txn_id`,
              `t10`.`amount_cny`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t14`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`dst` AS `acct_r`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t15`
            ON `t14`.`src` = `t15`.`acct_r`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`src` AS `acct_s`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t16`
            ON `t14`.`dst` = `t16`.`acct_s`
        ) AS `t21`
          ON `t20`.`d2` = `t21`.`s3`
          AND `t21`.`d3` <> `t14`.`src`
          AND `t21`.`t3` >= `t20`.`t2`
          AND `t21`.`t3` <= (
            `t20`.`t2` + 864000
          )
          AND `t21`.`m3` >= (
            `t20`.`m2` * 0.75
          )
          AND `t21`.`m3` <= (
            `t20`.`m2` * 1.25
          )
        INNER JOIN (
          SELECT
            `t14`.`src` AS `s4`,
            `t14`.`dst` AS `d4`,
            `t14`.`epoch_s` AS `t4`,
            `t14`.`amount_cny` AS `m4`,
            `t14`.`txn_id` AS `id4`
          FROM (
            SELECT
              `t10`.`src`,
              `t10`.`dst`,
              `t10`.`epoch_s`,
              `t10`.`txn_id`,
              `t10`.`amount_cny`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t14`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`dst` AS `acct_r`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t15`
            ON `t14`.`src` = `t15`.`acct_r`
          LEFT SEMI JOIN (
            SELECT DISTINCT
              `t10`.`src` AS `acct_s`
            FROM `t9` AS `t10`
            WHERE
              `t10`.`amount_cny` >= 1000.0
          ) AS `t16`
            ON `t14`.`dst` = `t16`.`acct_s`
        ) AS `t22`
          ON `t21`.`d3` = `t22`.`s4`
          AND `t14`.`src` = `t22`.`d4`
          AND `t22`.`t4` >= `t21`.`t3`
          AND `t22`.`t4` <= (
            `t21`.`t3` + 864000
          )
          AND `t22`.`m4` >= (
            `t21`.`m3` * 0.75
          )
          AND `t22`.`m4` <= (
            `t21`.`m3` * 1.25
          )
      ) AS `t25`
    ) AS `t27`
  ) AS `t28`
  GROUP BY
    1
) AS `t30`
LEFT OUTER JOIN (
  SELECT
    `t0`.`account_id`,
    MIN(`t0`.`customer_id`) AS `cust`
  FROM `transactions` AS `t0`
  GROUP BY
    1
) AS `t6`
  ON `t30`.`acct` = `t6`.`account_id`
