// The deferred outbox's figures in the TypeORM ledger: unsettled exposure and queue stats.
import type { ExposureRow, OutboxStats } from '../payment-store.interface.js';
import type { Row, Sql } from './sql-rows.js';

/** Served but unsettled deferred amounts per asset (queued or settling), optionally of one payer. */
export async function unsettledExposureSql(sql: Sql, payer?: string): Promise<ExposureRow[]> {
  const params: unknown[] = [];
  const byPayer = payer === undefined ? '' : `AND lower(payer) = lower($${params.push(payer)})`;
  const rows = await sql(
    `SELECT asset, SUM(amount)::text AS amount FROM x402_payments WHERE mode = 'deferred' AND state IN ('queued', 'settling') ${byPayer} GROUP BY asset ORDER BY asset`,
    params,
  );
  return rows.map((r: Row) => ({ asset: r.asset, amount: String(r.amount) }));
}

/** Queued and settling counts of the outbox, and the oldest payment not yet settled. */
export async function outboxStatsSql(sql: Sql): Promise<OutboxStats> {
  const [row] = await sql(
    `SELECT COUNT(*) FILTER (WHERE state = 'queued')::int AS queued,
            COUNT(*) FILTER (WHERE state = 'settling')::int AS settling,
            MIN(created_at) AS oldest
     FROM x402_payments WHERE state = 'queued' OR (state = 'settling' AND mode = 'deferred')`,
  );
  return { queued: Number(row.queued), settling: Number(row.settling), oldestUnsettledAt: row.oldest ? new Date(row.oldest) : undefined };
}
