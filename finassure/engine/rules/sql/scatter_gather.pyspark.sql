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
), `t16` AS (
  SELECT
    *
  FROM `t10` AS `t11`
  WHERE
    `t11`.`dst` IN (
      SELECT
        `t12`.`b_`
      FROM (
        SELECT
          `t11`.`dst` AS `b_`,
          COUNT(DISTINCT `t11`.`src`) AS `n_`
        FROM `t10` AS `t11`
        GROUP BY
          1
      ) AS `t12`
      WHERE
        `t12`.`n_` >= 3
    )
), `t17` AS (
  SELECT
    *
  FROM `t10` AS `t11`
  WHERE
    `t11`.`src` IN (
      SELECT
        `t13`.`o_`
      FROM (
        SELECT
          `t11`.`src` AS `o_`,
          COUNT(DISTINCT `t11`.`dst`) AS `n_`
        FROM `t10` AS `t11`
        GROUP BY
          1
      ) AS `t13`
      WHERE
        `t13`.`n_` >= 3
    )
), `t30` AS (
  SELECT
    `t29`.`o`,
    `t29`.`b`,
    COUNT(*) AS `n_path`,
    MIN(`t29`.`m`) AS `m_lo`,
    MAX(`t29`.`m`) AS `m_hi`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        `t27`.`o`,
        `t27`.`m`,
        `t27`.`t1`,
        `t27`.`bk`,
        `t24`.`m2`,
        `t24`.`b`,
        `t24`.`t2`,
        `t24`.`bk2`
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t19`.`src` AS `o`,
            `t19`.`dst` AS `m`,
            `t19`.`epoch_s` AS `t1`,
            CAST(FLOOR((
              `t19`.`epoch_s`
            ) / (
              864000
            )) AS BIGINT) AS `bk`
          FROM `t17` AS `t19`
        ) AS `t23`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t19`.`src` AS `o`,
            `t19`.`dst` AS `m`,
            `t19`.`epoch_s` AS `t1`,
            CAST(FLOOR((
              `t19`.`epoch_s`
            ) / (
              864000
            )) AS BIGINT) + 1 AS `bk`
          FROM `t17` AS `t19`
        ) AS `t25`
      ) AS `t27`
      INNER JOIN (
        SELECT
          `t18`.`src` AS `m2`,
          `t18`.`dst` AS `b`,
          `t18`.`epoch_s` AS `t2`,
          CAST(FLOOR((
            `t18`.`epoch_s`
          ) / (
            864000
          )) AS BIGINT) AS `bk2`
        FROM `t16` AS `t18`
      ) AS `t24`
        ON `t27`.`m` = `t24`.`m2`
        AND `t27`.`bk` = `t24`.`bk2`
        AND `t24`.`t2` >= `t27`.`t1`
        AND `t24`.`t2` <= (
          `t27`.`t1` + 864000
        )
    ) AS `t28`
    WHERE
      `t28`.`o` <> `t28`.`b`
  ) AS `t29`
  GROUP BY
    1,
    2
), `t45` AS (
  SELECT
    `t44`.`o`,
    `t44`.`b`,
    MAX(`t44`.`n_mid`) AS `n_mid`,
    CONCAT(COLLECT_LIST(`t44`.`id1`), COLLECT_LIST(`t44`.`id2`)) AS `ids`,
    MIN(`t44`.`day`) AS `day`,
    COUNT(*) AS `n`
  FROM (
    SELECT
      `t38`.`o`,
      `t38`.`m`,
      `t38`.`t1`,
      `t38`.`id1`,
      `t39`.`m2`,
      `t39`.`b`,
      `t39`.`t2`,
      `t39`.`id2`,
      `t39`.`day`,
      `t35`.`co`,
      `t35`.`cb`,
      `t43`.`po`,
      `t43`.`pb`,
      `t43`.`n_mid`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t19`.`src` AS `o`,
          `t19`.`dst` AS `m`,
          `t19`.`epoch_s` AS `t1`,
          `t19`.`txn_id` AS `id1`
        FROM `t17` AS `t19`
      ) AS `t21`
      WHERE
        `t21`.`o` IN (
          SELECT
            `t31`.`o` AS `co`
          FROM `t30` AS `t31`
          WHERE
            `t31`.`n_path` >= 3 AND `t31`.`m_lo` <> `t31`.`m_hi`
        )
    ) AS `t38`
    INNER JOIN (
      SELECT
        *
      FROM (
        SELECT
          `t18`.`src` AS `m2`,
          `t18`.`dst` AS `b`,
          `t18`.`epoch_s` AS `t2`,
          `t18`.`txn_id` AS `id2`,
          `t18`.`local_date` AS `day`
        FROM `t16` AS `t18`
      ) AS `t20`
      WHERE
        `t20`.`b` IN (
          SELECT
            `t31`.`b` AS `cb`
          FROM `t30` AS `t31`
          WHERE
            `t31`.`n_path` >= 3 AND `t31`.`m_lo` <> `t31`.`m_hi`
        )
    ) AS `t39`
      ON `t38`.`m` = `t39`.`m2`
      AND `t39`.`t2` >= `t38`.`t1`
      AND `t39`.`t2` <= (
        `t38`.`t1` + 864000
      )
    INNER JOIN (
      SELECT
        `t31`.`o` AS `co`,
        `t31`.`b` AS `cb`
      FROM `t30` AS `t31`
      WHERE
        `t31`.`n_path` >= 3 AND `t31`.`m_lo` <> `t31`.`m_hi`
    ) AS `t35`
      ON `t38`.`o` = `t35`.`co` AND `t39`.`b` = `t35`.`cb`
    INNER JOIN (
      SELECT
        `t41`.`o` AS `po`,
        `t41`.`b` AS `pb`,
        `t41`.`n_mid`
      FROM (
        SELECT
          `t40`.`o`,
          `t40`.`b`,
          COUNT(DISTINCT `t40`.`m`) AS `n_mid`
        FROM (
          SELECT
            `t38`.`o`,
            `t38`.`m`,
            `t38`.`t1`,
            `t38`.`id1`,
            `t39`.`m2`,
            `t39`.`b`,
            `t39`.`t2`,
            `t39`.`id2`,
            `t39`.`day`,
            `t35`.`co`,
            `t35`.`cb`
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t19`.`src` AS `o`,
                `t19`.`dst` AS `m`,
                `t19`.`epoch_s` AS `t1`,
                `t19`.`txn_id` AS `id1`
              FROM `t17` AS `t19`
            ) AS `t21`
            WHERE
              `t21`.`o` IN (
                SELECT
                  `t31`.`o` AS `co`
                FROM `t30` AS `t31`
                WHERE
                  `t31`.`n_path` >= 3 AND `t31`.`m_lo` <> `t31`.`m_hi`
              )
          ) AS `t38`
          INNER JOIN (
            SELECT
              *
            FROM (
              SELECT
                `t18`.`src` AS `m2`,
                `t18`.`dst` AS `b`,
                `t18`.`epoch_s` AS `t2`,
                `t18`.`txn_id` AS `id2`,
                `t18`.`local_date` AS `day`
              FROM `t16` AS `t18`
            ) AS `t20`
            WHERE
              `t20`.`b` IN (
                SELECT
                  `t31`.`b` AS `cb`
                FROM `t30` AS `t31`
                WHERE
                  `t31`.`n_path` >= 3 AND `t31`.`m_lo` <> `t31`.`m_hi`
              )
          ) AS `t39`
            ON `t38`.`m` = `t39`.`m2`
            AND `t39`.`t2` >= `t38`.`t1`
            AND `t39`.`t2` <= (
              `t38`.`t1` + 864000
            )
          INNER JOIN (
            SELECT
              `t31`.`o` AS `co`,
              `t31`.`b` AS `cb`
            FROM `t30` AS `t31`
            WHERE
              `t31`.`n_path` >= 3 AND `t31`.`m_lo` <> `t31`.`m_hi`
          ) AS `t35`
            ON `t38`.`o` = `t35`.`co` AND `t39`.`b` = `t35`.`cb`
        ) AS `t40`
        GROUP BY
          1,
          2
      ) AS `t41`
      WHERE
        `t41`.`n_mid` >= 3
    ) AS `t43`
      ON `t38`.`o` = `t43`.`po` AND `t39`.`b` = `t43`.`pb`
  ) AS `t44`
  GROUP BY
    1,
    2
)
SELECT
  `t51`.`acct` AS `account_id`,
  COALESCE(`t6`.`cust`, `t51`.`acct`) AS `customer_id`,
  `t51`.`day` AS `date`,
  CAST(NULL AS STRING) AS `direction`,
  'CNY' AS `currency`,
  CAST(`t51`.`n_mid` AS DOUBLE) AS `value`,
  3.0 AS `threshold`,
  `t51`.`n` AS `txn_count`,
  ARRAY_DISTINCT(`t51`.`ids`) AS `txn_ids`
FROM (
  SELECT
    `t49`.`acct`,
    MAX(`t49`.`n_mid`) AS `n_mid`,
    FLATTEN(COLLECT_LIST(`t49`.`ids`)) AS `ids`,
    MIN(`t49`.`day`) AS `day`,
    SUM(`t49`.`n`) AS `n`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        `t46`.`o` AS `acct`,
        `t46`.`n_mid`,
        `t46`.`ids`,
        `t46`.`day`,
        `t46`.`n`
      FROM `t45` AS `t46`
    ) AS `t47`
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        `t46`.`b` AS `acct`,
        `t46`.`n_mid`,
        `t46`.`ids`,
        `t46`.`day`,
        `t46`.`n`
      FROM `t45` AS `t46`
    ) AS `t48`
  ) AS `t49`
  GROUP BY
    1
) AS `t51`
LEFT OUTER JOIN (
  SELECT
    `t0`.`account_id`,
    MIN(`t0`.`customer_id`) AS `cust`
  FROM `transactions` AS `t0`
  GROUP BY
    1
) AS `t6`
  ON `t51`.`acct` = `t6`.`account_id`
