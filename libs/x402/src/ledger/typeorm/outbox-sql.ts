// The deferred outbox's figures in the TypeORM ledger: exposure (and whether a claim fits its caps), queue stats.
import { fitsCaps } from '../outbox-figures.js';
import type { DeferredCaps, ExposureRow, OutboxStats, PaymentClaim, PendingSettlement, ResponseSnapshot } from '../payment-store.interface.js';
import { rowsOf } from './sql-rows.js';
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
  const [row] = await sql(exposureSql('$1', '$2', '$3'), [claim.asset, claim.payer, claim.key]);
  return fitsCaps(claim.amount, { mine: BigInt(row.mine), total: BigInt(row.total), blocked: row.blocked === true || row.blocked === 't' }, caps);
}

/**
 * The exposure a deferred claim meets (`mine`, `total`, `blocked`; see `fitsCaps`): deferred payments being served,
 * queued, settling or failed, but the claim's own (`key`); `asset`, `payer` and `key` are SQL expressions. The
 * function (migration `X402DeferredExposure1764800000000`) is planned with index scans only: a bitmap scan reads the
 * entries of every old row version again on each check until a vacuum.
 */
function exposureSql(asset: string, payer: string, key: string): string {
  return `SELECT mine, total, blocked FROM x402_deferred_exposure(${asset}, ${payer}, ${key})`;
}

/**
 * Queues a verified deferred payment (`verified` -> `queued`). With `caps`, in the same statement, only if it fits
 * them, counted as {@link deferredFitsSql} does (every claim committed before this statement, its own left out):
 * else it stays `verified`, steps down to `authorization`, and `'over_caps'` is the answer. The claim's insert
 * committed in an earlier statement, so of two concurrent claims the one queued later sees the other.
 */
export async function queueSql(sql: Sql, id: string, queued: { settlement: PendingSettlement; settleBy: Date; response?: ResponseSnapshot }, caps?: DeferredCaps): Promise<boolean | 'over_caps'> {
  const params = [id, JSON.stringify(queued.settlement), queued.settleBy, queued.response ? JSON.stringify(queued.response) : null];
  if (!caps) {
    const rows = rowsOf(
      await sql(
        `UPDATE x402_payments SET state = 'queued', settlement = $2::jsonb, settle_by = $3, response = $4::jsonb, next_attempt_at = now(), updated_at = now()
         WHERE id = $1 AND state = 'verified' RETURNING id`,
        params,
      ),
    );
    return rows.length === 1;
  }
  const [row] = rowsOf(
    await sql(
      `WITH claim AS (SELECT key, asset, payer, amount FROM x402_payments WHERE id = $1 AND state = 'verified' AND mode = 'deferred'),
       exposure AS (SELECT e.* FROM claim c CROSS JOIN LATERAL (${exposureSql('c.asset', 'c.payer', 'c.key')}) e),
       fits AS (SELECT NOT e.blocked AND e.mine + c.amount <= $5::numeric AND e.total + c.amount <= $6::numeric AS ok FROM claim c, exposure e)
       UPDATE x402_payments p SET
         state = CASE WHEN f.ok THEN 'queued' ELSE p.state END,
         mode = CASE WHEN f.ok THEN p.mode ELSE 'authorization' END,
         settlement = CASE WHEN f.ok THEN $2::jsonb ELSE p.settlement END,
         settle_by = CASE WHEN f.ok THEN $3::timestamptz ELSE p.settle_by END,
         response = CASE WHEN f.ok THEN $4::jsonb ELSE p.response END,
         next_attempt_at = CASE WHEN f.ok THEN now() ELSE p.next_attempt_at END,
         updated_at = now()
       FROM fits f WHERE p.id = $1 AND p.state = 'verified'
       RETURNING p.state`,
      [...params, caps.perPayer, caps.total],
    ),
  );
  if (!row) return false;
  return row.state === 'queued' ? true : 'over_caps';
}
