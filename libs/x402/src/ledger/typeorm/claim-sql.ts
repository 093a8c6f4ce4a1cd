// The claim of the TypeORM ledger: one INSERT ... ON CONFLICT that takes a new key or a failed one, then (deferred) the cap check.
import { randomUUID } from 'node:crypto';
import type { ClaimOptions, ClaimResult, PaymentClaim } from '../payment-store.interface.js';
import { deferredFitsSql } from './outbox-sql.js';
import { isUniqueViolation, rowsOf, toRecord, type Row, type Sql } from './sql-rows.js';

/**
 * Inserts the claim as `verified`, or takes over a failed record of its key (when `retryFailed`); the rows taken.
 * A failed deferred record is never taken over: it was served and never paid, and keeps its exposure.
 */
export async function insertClaim(sql: Sql, claim: PaymentClaim, retryFailed: boolean): Promise<Row[]> {
  return rowsOf(
    await sql(
      `INSERT INTO x402_payments (id, key, network, asset, payer, pay_to, amount, scheme, route, resource_url, nonce, payment_identifier, mode, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'verified', now(), now())
       ON CONFLICT (key) DO UPDATE SET
         state = 'verified', route = EXCLUDED.route, resource_url = EXCLUDED.resource_url, pay_to = EXCLUDED.pay_to,
         amount = EXCLUDED.amount, payment_identifier = EXCLUDED.payment_identifier, mode = EXCLUDED.mode, transaction_hash = NULL,
         error_reason = NULL, response = NULL, settlement = NULL, handler_error = NULL, settled_at = NULL, locked_until = NULL,
         next_attempt_at = NULL, settle_by = NULL, attempts = x402_payments.attempts + 1, updated_at = now()
       WHERE x402_payments.state = 'failed' AND x402_payments.mode <> 'deferred' AND $14::boolean
       RETURNING *`,
      [
        randomUUID(),
        claim.key,
        claim.network,
        claim.asset,
        claim.payer,
        claim.payTo,
        claim.amount,
        claim.scheme,
        claim.route,
        claim.resourceUrl,
        claim.nonce,
        claim.paymentIdentifier ?? null,
        claim.mode ?? 'authorization',
        retryFailed,
      ],
    ),
  );
}

/**
 * A deferred claim reserves its exposure by being inserted: it counts against the caps from its insert on.
 * The cap check follows as a statement of its own, so it reads every claim committed before it, its own
 * included: of two concurrent claims, the one checked later sees the other. A claim that does not fit
 * steps down to `authorization` (settled before its response). Two claims that each see the other may
 * both step down, which is safe; no claim stays deferred past the caps, and no lock is held meanwhile.
 */
export async function claimPayment(sql: Sql, claim: PaymentClaim, options: ClaimOptions): Promise<ClaimResult> {
  const result = await claimOnce(sql, claim, options.retryFailed ?? true, false);
  const caps = options.deferredCaps;
  if (!result.claimed || result.record.mode !== 'deferred' || !caps) return result;
  if (await deferredFitsSql(sql, claim, caps)) return result;
  const [stepped] = rowsOf(
    await sql(`UPDATE x402_payments SET mode = 'authorization', updated_at = now() WHERE id = $1 AND state = 'verified' AND mode = 'deferred' RETURNING *`, [
      result.record.id,
    ]),
  );
  if (!stepped) throw new Error('x402 ledger: a deferred claim past its caps changed before it stepped down');
  return { claimed: true, record: toRecord(stepped) };
}

async function claimOnce(sql: Sql, claim: PaymentClaim, retryFailed: boolean, retried: boolean): Promise<ClaimResult> {
  try {
    const rows = await insertClaim(sql, claim, retryFailed);
    if (rows.length > 0) return { claimed: true, record: toRecord(rows[0]) };
    const [existing] = rowsOf(await sql(`SELECT * FROM x402_payments WHERE key = $1`, [claim.key]));
    if (existing) return { claimed: false, existing: toRecord(existing), conflict: 'key' };
    if (!retried) return claimOnce(sql, claim, retryFailed, true); // the holder released it between the two statements
    throw new Error('x402 ledger: claim neither inserted nor found an existing row');
  } catch (error) {
    if (!claim.paymentIdentifier || !isUniqueViolation(error, 'x402_payments_identifier_uq')) throw error;
    // The payer's idempotency id belongs to another payment. A failed one gives it up; any other keeps it.
    if (!retried && retryFailed) {
      await sql(`UPDATE x402_payments SET payment_identifier = NULL, updated_at = now() WHERE payer = $1 AND payment_identifier = $2 AND state = 'failed'`, [
        claim.payer,
        claim.paymentIdentifier,
      ]);
      return claimOnce(sql, claim, retryFailed, true);
    }
    const rows = await sql(`SELECT * FROM x402_payments WHERE payer = $1 AND payment_identifier = $2`, [claim.payer, claim.paymentIdentifier]);
    if (rows.length === 0) throw error;
    return { claimed: false, existing: toRecord(rows[0]), conflict: 'identifier' };
  }
}
