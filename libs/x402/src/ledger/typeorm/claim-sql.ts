// The claim statement of the TypeORM ledger: one INSERT ... ON CONFLICT that takes a new key or a failed one.
import { randomUUID } from 'node:crypto';
import type { PaymentClaim } from '../payment-store.interface.js';
import { rowsOf, type Row, type Sql } from './sql-rows.js';

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
