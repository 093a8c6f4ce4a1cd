import { X402ErrorCode, X402HttpException } from '../x402.errors.js';

/**
 * Runs a ledger operation; if the store fails (database down, pool exhausted) the request fails
 * closed with 503 `ledger_unavailable` instead of being served without a record.
 */
export async function ledgerCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof X402HttpException) throw error;
    throw new X402HttpException(503, X402ErrorCode.LedgerUnavailable, 'the payment ledger is unavailable; nothing was charged', {}, { 'Retry-After': '5' });
  }
}
