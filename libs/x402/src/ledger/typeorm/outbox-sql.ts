// The deferred outbox's figures in the TypeORM ledger: exposure (and whether a claim fits its caps), queue stats.
import { fitsCaps } from '../outbox-figures.js';
import type { DeferredCaps, ExposureRow, OutboxStats, PaymentClaim } from '../payment-store.interface.js';
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

/**
 * Whether a deferred claim fits its caps: counted with it, the payer's and the total exposure in its asset
 * (deferred payments verified, queued, settling or failed) stay within them, and the payer has no failed
 * deferred payment. Run after the claim's own insert committed (see `TypeOrmPaymentStore.claim`): it reads
 * every claim committed before it, and leaves its own out (by key) since `fitsCaps` adds it.
 */
export async function deferredFitsSql(sql: Sql, claim: PaymentClaim, caps: DeferredCaps): Promise<boolean> {
  const [row] = await sql(
    `SELECT COALESCE(SUM(amount) FILTER (WHERE lower(asset) = lower($1) AND lower(payer) = lower($2)), 0)::text AS mine,
            COALESCE(SUM(amount) FILTER (WHERE lower(asset) = lower($1)), 0)::text AS total,
            COALESCE(bool_or(state = 'failed' AND lower(payer) = lower($2)), false) AS blocked
     FROM x402_payments WHERE mode = 'deferred' AND state IN ('verified', 'queued', 'settling', 'failed') AND key <> $3`,
    [claim.asset, claim.payer, claim.key],
  );
  return fitsCaps(claim.amount, { mine: BigInt(row.mine), total: BigInt(row.total), blocked: row.blocked === true || row.blocked === 't' }, caps);
}
