import type { DataSource } from 'typeorm';
import { rowsOf } from '../../ledger/typeorm/sql-rows.js';
import type { SignInNonceStore } from '../sign-in-nonce.store.js';

/** How often (at most) issuing also deletes expired nonces, so the table holds about one expiry's worth of 402s. */
const SWEEP_EVERY_MS = 30_000;

/**
 * Sign-in nonces on PostgreSQL (or PGlite), next to the payment ledger: `x402_sign_in_nonces`. Issuing is one
 * `INSERT`; consuming is one `DELETE … WHERE expires_at > now RETURNING`, so a nonce is used once across
 * every instance on the database. Expired rows are swept while issuing (every 30 s) and by the ledger purge.
 *
 * @example
 * const nonces = new TypeOrmPaymentStore(dataSource).signInNonceStore();
 */
export class TypeOrmSignInNonceStore implements SignInNonceStore {
  private lastSweep = 0;

  constructor(private readonly dataSource: DataSource) {}

  async issue(nonce: string, expiresAt: Date): Promise<void> {
    await this.dataSource.query(`INSERT INTO x402_sign_in_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING`, [nonce, expiresAt]);
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      await this.sweep(new Date(now));
    }
  }

  async consume(nonce: string, now: Date): Promise<boolean> {
    const rows = await this.dataSource.query(`DELETE FROM x402_sign_in_nonces WHERE nonce = $1 AND expires_at > $2 RETURNING nonce`, [nonce, now]);
    return rowsOf(rows).length === 1;
  }

  /** Deletes nonces that expired before `now`; returns how many. */
  async sweep(now: Date): Promise<number> {
    return rowsOf(await this.dataSource.query(`DELETE FROM x402_sign_in_nonces WHERE expires_at < $1 RETURNING nonce`, [now])).length;
  }
}
