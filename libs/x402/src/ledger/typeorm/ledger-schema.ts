import { X402ConfigError } from '../../x402.errors.js';

/** One probe per migration: a statement that fails (undefined table or column) until that migration has run. */
const PROBES: readonly { migration: string; sql: string }[] = [
  { migration: 'X402Ledger1764000000000', sql: 'SELECT id, key, state, transaction_hash, response FROM x402_payments LIMIT 0' },
  { migration: 'X402SessionNonces1764000000001', sql: 'SELECT nonce, expires_at FROM x402_session_nonces LIMIT 0' },
  { migration: 'X402SettlementOutbox1764000000002', sql: 'SELECT mode, settlement, next_attempt_at, locked_until, settle_by, handler_error FROM x402_payments LIMIT 0' },
  { migration: 'X402ProofsAndUsage1764000000003', sql: 'SELECT authorized_amount, settled_amount FROM x402_payments LIMIT 0' },
  { migration: 'X402ProofsAndUsage1764000000003', sql: 'SELECT reference, state, transaction_hash, locked_until FROM x402_payment_references LIMIT 0' },
  { migration: 'X402SignInNonces1764000000005', sql: 'SELECT nonce, expires_at FROM x402_sign_in_nonces LIMIT 0' },
  { migration: 'X402ProofClaimOwner1764600000000', sql: 'SELECT claim_owner FROM x402_payment_references LIMIT 0' },
  { migration: 'X402DeferredExposure1764800000000', sql: "SELECT mine, total, blocked FROM x402_deferred_exposure('', '', '') LIMIT 0" },
];

/** PostgreSQL: undefined_table, undefined_column, undefined_function. */
const MISSING = new Set(['42P01', '42703', '42883']);

/**
 * Fails the boot when the ledger's tables are missing or older than this version of the library (a store
 * whose DataSource never ran `X402_MIGRATIONS`), instead of answering 503 to every payment later.
 * Other errors (the database is down) are left to the caller.
 */
export async function checkLedgerSchema(query: (sql: string) => Promise<unknown>): Promise<void> {
  for (const probe of PROBES) {
    try {
      await query(probe.sql);
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).code ?? (error as { driverError?: { code?: string } }).driverError?.code;
      if (!code || !MISSING.has(code)) throw error;
      throw new X402ConfigError(
        'store',
        `the x402 ledger tables are missing or out of date (migration ${probe.migration} has not run: ${(error as Error).message.split('\n')[0]}). ` +
          `Add X402_MIGRATIONS (from @nestjs-x402/core/typeorm) to the DataSource's migrations with migrationsRun: true, or run "npx x402 migrate".`,
      );
    }
  }
}
