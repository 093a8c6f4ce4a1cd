import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ClaimOptions, ClaimResult, DeferredCaps, ExposureRow, OutboxStats, PendingSettlement, PaymentClaim, PaymentRecord, PaymentStore, ReceiptFilter, ResponseSnapshot, RevenueQuery, RevenueRow, SettledAmounts } from '../payment-store.interface.js';
import { UNSERVED_UPFRONT } from '../payment-store.interface.js';
import type { ProofStore } from '../../proofs/proof-store.interface.js';
import { TypeOrmProofStore } from '../../proofs/typeorm/typeorm-proof.store.js';
import type { SignInNonceStore } from '../../sessions/sign-in-nonce.store.js';
import { TypeOrmSignInNonceStore } from '../../sessions/typeorm/typeorm-sign-in-nonce.store.js';
import { clampLimit } from '../receipt-queries.js';
import { checkLedgerSchema } from './ledger-schema.js';
import { outboxStatsSql, queueSql, unsettledExposureSql } from './outbox-sql.js';
import { findReceiptsSql, revenueSql } from './receipt-sql.js';
import { claimPayment } from './claim-sql.js';
import { rowsOf, toRecord, type Sql } from './sql-rows.js';

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

  /** Runs one statement on the DataSource. */
  private readonly sql: Sql;

  constructor(private readonly dataSource: DataSource) {
    this.sql = (text, params) => this.dataSource.query(text, params);
  }

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

  /** See {@link claimPayment}: a deferred claim reserves its exposure by its insert, then checks its caps. */
  claim(claim: PaymentClaim, options: ClaimOptions = {}): Promise<ClaimResult> {
    return claimPayment(this.sql, claim, options);
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

  /** A deferred claim's caps are checked with its queueing (see {@link queueSql}): one statement less per payment. */
  readonly checksCapsWhenQueued = true;

  markQueued(id: string, settlement: PendingSettlement, settleBy: Date, response?: ResponseSnapshot, caps?: DeferredCaps): Promise<boolean | 'over_caps'> {
    return queueSql(this.sql, id, { settlement, settleBy, response }, caps);
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

  unsettledExposure(payer?: string): Promise<ExposureRow[]> {
    return unsettledExposureSql(this.sql, payer);
  }

  outboxStats(): Promise<OutboxStats> {
    return outboxStatsSql(this.sql);
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

  async markBatchSettled(ids: readonly string[], transaction: string): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE x402_payments SET state = 'settled', transaction_hash = $2, settled_at = now(), authorized_amount = COALESCE(authorized_amount, amount),
         settled_amount = amount, locked_until = NULL, next_attempt_at = NULL, updated_at = now() WHERE id = ANY($1::uuid[])`,
      [ids, transaction],
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

  findReceipts(filter: ReceiptFilter = {}): Promise<PaymentRecord[]> {
    return findReceiptsSql(this.sql, filter);
  }

  revenue(query: RevenueQuery): Promise<RevenueRow[]> {
    return revenueSql(this.sql, query);
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
    const failed = rowsOf(await this.dataSource.query(`DELETE FROM x402_payments WHERE state = 'failed' AND mode <> 'deferred' AND updated_at < $1 RETURNING id`, [before]));
    const snapshots = rowsOf(
      await this.dataSource.query(`UPDATE x402_payments SET response = NULL WHERE response IS NOT NULL AND updated_at < $1 RETURNING id`, [before]),
    );
    // An expired sign-in nonce can never be used: all of them go, whatever the retention.
    const issued = await (this.signInNonces ??= new TypeOrmSignInNonceStore(this.dataSource)).sweep(new Date());
    return nonces.length + issued + failed.length + snapshots.length;
  }
}
