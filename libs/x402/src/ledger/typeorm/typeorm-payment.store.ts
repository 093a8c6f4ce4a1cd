import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type {
  ClaimOptions,
  ClaimResult,
  ExposureRow,
  OutboxStats,
  PendingSettlement,
  PaymentClaim,
  PaymentRecord,
  PaymentStore,
  ReceiptFilter,
  ResponseSnapshot,
  RevenueQuery,
  RevenueRow,
  SettledAmounts,
} from '../payment-store.interface.js';
import { UNSERVED_UPFRONT } from '../payment-store.interface.js';
import type { ProofStore } from '../../proofs/proof-store.interface.js';
import { TypeOrmProofStore } from '../../proofs/typeorm/typeorm-proof.store.js';
import type { SignInNonceStore } from '../../sessions/sign-in-nonce.store.js';
import { TypeOrmSignInNonceStore } from '../../sessions/typeorm/typeorm-sign-in-nonce.store.js';
import { clampLimit } from '../receipt-queries.js';
import { checkLedgerSchema } from './ledger-schema.js';
import { isUniqueViolation, rowsOf, toRecord, type Row } from './sql-rows.js';

/** `to_char` formats of the revenue periods (the same strings as `periodOf` in memory). */
const PERIOD_FORMATS = { day: 'YYYY-MM-DD', hour: 'YYYY-MM-DD"T"HH24":00Z"', minute: 'YYYY-MM-DD"T"HH24:MI"Z"' } as const;

/**
 * The payment ledger on PostgreSQL (or embedded PGlite) through a TypeORM `DataSource`.
 * Every write is a single statement (`INSERT ... ON CONFLICT`, `UPDATE ... WHERE state = ... RETURNING`),
 * so it stays correct with many app instances on one database, and on PGlite's single session.
 *
 * @example
 * X402Module.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ ...options, store: new TypeOrmPaymentStore(dataSource) }),
 * })
 */
export class TypeOrmPaymentStore implements PaymentStore {
  private proofs?: ProofStore;
  private signInNonces?: TypeOrmSignInNonceStore;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Holds a PostgreSQL advisory lock named by `key` on a connection of its own until the returned function is
   * called: how replicas sharing one gas key take turns at nonces (see `LocalFacilitatorOptions.nonceLock`).
   */
  async nonceLock(key: string): Promise<() => Promise<void>> {
    const id = createHash('sha256').update(key).digest().readBigInt64BE(0).toString();
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock($1::bigint)', [id]);
    } catch (error) {
      await runner.release();
      throw error;
    }
    return async () => {
      try {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [id]);
      } finally {
        await runner.release();
      }
    };
  }

  /** Fails (naming the `store` option) when the ledger's migrations have not run on this DataSource. */
  checkSchema(): Promise<void> {
    return checkLedgerSchema((sql) => this.dataSource.query(sql));
  }

  async claim(claim: PaymentClaim, options: ClaimOptions = {}): Promise<ClaimResult> {
    return this.claimOnce(claim, options.retryFailed ?? true, false);
  }

  private async claimOnce(claim: PaymentClaim, retryFailed: boolean, retried: boolean): Promise<ClaimResult> {
    try {
      const rows = rowsOf(
        await this.dataSource.query(
          `INSERT INTO x402_payments (id, key, network, asset, payer, pay_to, amount, scheme, route, resource_url, nonce, payment_identifier, mode, state, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'verified', now(), now())
           ON CONFLICT (key) DO UPDATE SET
             state = 'verified', route = EXCLUDED.route, resource_url = EXCLUDED.resource_url, pay_to = EXCLUDED.pay_to,
             amount = EXCLUDED.amount, payment_identifier = EXCLUDED.payment_identifier, mode = EXCLUDED.mode, transaction_hash = NULL,
             error_reason = NULL, response = NULL, settlement = NULL, handler_error = NULL, settled_at = NULL, locked_until = NULL,
             next_attempt_at = NULL, settle_by = NULL, attempts = x402_payments.attempts + 1, updated_at = now()
           WHERE x402_payments.state = 'failed' AND $14::boolean
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
      if (rows.length > 0) return { claimed: true, record: toRecord(rows[0]) };
      const existing = await this.findByKey(claim.key);
      if (existing) return { claimed: false, existing, conflict: 'key' };
      if (!retried) return this.claimOnce(claim, retryFailed, true); // the holder released it between the two statements
      throw new Error('x402 ledger: claim neither inserted nor found an existing row');
    } catch (error) {
      if (!claim.paymentIdentifier || !isUniqueViolation(error, 'x402_payments_identifier_uq')) throw error;
      // The payer's idempotency id belongs to another payment. A failed one gives it up; any other keeps it.
      if (!retried && retryFailed) {
        await this.dataSource.query(
          `UPDATE x402_payments SET payment_identifier = NULL, updated_at = now() WHERE payer = $1 AND payment_identifier = $2 AND state = 'failed'`,
          [claim.payer, claim.paymentIdentifier],
        );
        return this.claimOnce(claim, retryFailed, true);
      }
      const rows = await this.dataSource.query(`SELECT * FROM x402_payments WHERE payer = $1 AND payment_identifier = $2`, [claim.payer, claim.paymentIdentifier]);
      if (rows.length === 0) throw error;
      return { claimed: false, existing: toRecord(rows[0]), conflict: 'identifier' };
    }
  }

  async markSettling(id: string, pending: { settlement?: PendingSettlement; response?: ResponseSnapshot; lockMs?: number } = {}): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE x402_payments SET state = 'settling', settlement = COALESCE($2::jsonb, settlement), response = COALESCE($3::jsonb, response),
           locked_until = now() + make_interval(secs => $4::double precision / 1000), updated_at = now()
         WHERE id = $1 AND state = 'verified' RETURNING id`,
        [id, pending.settlement ? JSON.stringify(pending.settlement) : null, pending.response ? JSON.stringify(pending.response) : null, pending.lockMs ?? 120_000],
      ),
    );
    return rows.length === 1;
  }

  async markQueued(id: string, settlement: PendingSettlement, settleBy: Date, response?: ResponseSnapshot): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE x402_payments SET state = 'queued', settlement = $2::jsonb, settle_by = $3, response = $4::jsonb, next_attempt_at = now(), updated_at = now()
         WHERE id = $1 AND state = 'verified' RETURNING id`,
        [id, JSON.stringify(settlement), settleBy, response ? JSON.stringify(response) : null],
      ),
    );
    return rows.length === 1;
  }

  async takeDue(limit: number, lockMs: number): Promise<PaymentRecord[]> {
    const rows = rowsOf(
      await this.dataSource.query(
        `WITH due AS (
           SELECT id, state AS previous_state FROM x402_payments
           WHERE (state = 'queued' AND next_attempt_at <= now())
              OR (state = 'settling' AND settlement IS NOT NULL AND locked_until < now())
           ORDER BY next_attempt_at NULLS FIRST, created_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE x402_payments p SET state = 'settling', locked_until = now() + make_interval(secs => $2::double precision / 1000),
           attempts = p.attempts + 1, updated_at = now()
         FROM due WHERE p.id = due.id
         RETURNING p.*, due.previous_state`,
        [limit, lockMs],
      ),
    );
    return rows.map(toRecord);
  }

  async requeue(id: string, reason: string, nextAttemptAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE x402_payments SET state = 'queued', error_reason = $2, next_attempt_at = $3, locked_until = NULL, updated_at = now() WHERE id = $1 AND state <> 'settled'`,
      [id, reason, nextAttemptAt],
    );
  }

  async recordHandlerError(id: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE x402_payments SET handler_error = $2, updated_at = now() WHERE id = $1`, [id, error]);
  }

  async takeUnserved(id: string): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(`UPDATE x402_payments SET handler_error = NULL, updated_at = now() WHERE id = $1 AND state = 'settled' AND mode = 'upfront' AND handler_error = $2 RETURNING id`, [id, UNSERVED_UPFRONT]),
    );
    return rows.length === 1;
  }

  async unsettledExposure(payer?: string): Promise<ExposureRow[]> {
    const params: unknown[] = [];
    const byPayer = payer === undefined ? '' : `AND lower(payer) = lower($${params.push(payer)})`;
    const rows = await this.dataSource.query(
      `SELECT asset, SUM(amount)::text AS amount FROM x402_payments WHERE mode = 'deferred' AND state IN ('queued', 'settling') ${byPayer} GROUP BY asset ORDER BY asset`,
      params,
    );
    return rows.map((r: Row) => ({ asset: r.asset, amount: String(r.amount) }));
  }

  async outboxStats(): Promise<OutboxStats> {
    const [row] = await this.dataSource.query(
      `SELECT COUNT(*) FILTER (WHERE state = 'queued')::int AS queued,
              COUNT(*) FILTER (WHERE state = 'settling')::int AS settling,
              MIN(created_at) AS oldest
       FROM x402_payments WHERE state = 'queued' OR (state = 'settling' AND mode = 'deferred')`,
    );
    return { queued: Number(row.queued), settling: Number(row.settling), oldestUnsettledAt: row.oldest ? new Date(row.oldest) : undefined };
  }

  async markSettled(id: string, transaction: string, response?: ResponseSnapshot, amounts: SettledAmounts = {}): Promise<void> {
    // Right-hand sides read the row before the update: `amount` is still the claimed (authorized) amount there.
    await this.dataSource.query(
      `UPDATE x402_payments SET state = 'settled', transaction_hash = $2, response = COALESCE($3::jsonb, response), settled_at = now(),
         authorized_amount = COALESCE($5::numeric, authorized_amount, amount), settled_amount = COALESCE($4::numeric, amount),
         amount = COALESCE($4::numeric, amount), locked_until = NULL, next_attempt_at = NULL, updated_at = now() WHERE id = $1`,
      [id, transaction, response ? JSON.stringify(response) : null, amounts.settled ?? null, amounts.authorized ?? null],
    );
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await this.dataSource.query(`UPDATE x402_payments SET state = 'failed', error_reason = $2, locked_until = NULL, updated_at = now() WHERE id = $1 AND state <> 'settled'`, [
      id,
      reason,
    ]);
  }

  async release(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM x402_payments WHERE id = $1 AND state = 'verified'`, [id]);
  }

  async findById(id: string): Promise<PaymentRecord | undefined> {
    const rows = await this.dataSource.query(`SELECT * FROM x402_payments WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findByKey(key: string): Promise<PaymentRecord | undefined> {
    const rows = await this.dataSource.query(`SELECT * FROM x402_payments WHERE key = $1`, [key]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findReceipts(filter: ReceiptFilter = {}): Promise<PaymentRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.id !== undefined) add('id = ?', filter.id);
    if (filter.payer !== undefined) add('lower(payer) = lower(?)', filter.payer);
    if (filter.route !== undefined) add('route = ?', filter.route);
    if (filter.state !== undefined) add('state = ?', filter.state);
    if (filter.from !== undefined) add('created_at >= ?', filter.from);
    if (filter.to !== undefined) add('created_at < ?', filter.to);
    const { limit, offset } = clampLimit(filter);
    const rows = await this.dataSource.query(
      `SELECT * FROM x402_payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return rows.map(toRecord);
  }

  async revenue(query: RevenueQuery): Promise<RevenueRow[]> {
    const group = query.by === 'route' ? 'route' : `to_char(settled_at AT TIME ZONE 'UTC', '${PERIOD_FORMATS[query.by]}')`;
    const params: unknown[] = [];
    const where = [`state = 'settled'`];
    if (query.from) where.push(`settled_at >= $${params.push(query.from)}`);
    if (query.to) where.push(`settled_at < $${params.push(query.to)}`);
    const rows = await this.dataSource.query(
      `SELECT ${group} AS "group", network, asset, SUM(amount)::text AS amount, COUNT(*)::int AS payments
       FROM x402_payments WHERE ${where.join(' AND ')}
       GROUP BY 1, network, asset ORDER BY 1, network, asset`,
      params,
    );
    return rows.map((r: Row) => ({ group: r.group, network: r.network, asset: r.asset, amount: String(r.amount), payments: Number(r.payments) }));
  }

  /** References of transaction-hash proofs, on the same database. */
  proofStore(): ProofStore {
    return (this.proofs ??= new TypeOrmProofStore(this.dataSource));
  }

  /** Issued sign-in nonces, on the same database. */
  signInNonceStore(): SignInNonceStore {
    return (this.signInNonces ??= new TypeOrmSignInNonceStore(this.dataSource));
  }

  async consumeSessionNonce(nonce: string, expiresAt: Date): Promise<boolean> {
    const rows = await this.dataSource.query(
      `INSERT INTO x402_session_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING RETURNING nonce`,
      [nonce, expiresAt],
    );
    return rowsOf(rows).length === 1;
  }

  async purge(before: Date): Promise<number> {
    const nonces = rowsOf(await this.dataSource.query(`DELETE FROM x402_session_nonces WHERE expires_at < $1 RETURNING nonce`, [before]));
    const failed = rowsOf(await this.dataSource.query(`DELETE FROM x402_payments WHERE state = 'failed' AND updated_at < $1 RETURNING id`, [before]));
    const snapshots = rowsOf(
      await this.dataSource.query(`UPDATE x402_payments SET response = NULL WHERE response IS NOT NULL AND updated_at < $1 RETURNING id`, [before]),
    );
    // An expired sign-in nonce can never be used: all of them go, whatever the retention.
    const issued = await (this.signInNonces ??= new TypeOrmSignInNonceStore(this.dataSource)).sweep(new Date());
    return nonces.length + issued + failed.length + snapshots.length;
  }
}
