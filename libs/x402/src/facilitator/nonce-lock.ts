/**
 * A lock around "read the signer's next nonce, sign, send", shared by every process that settles with the
 * same gas key (replicas of one app on one database). `acquire` resolves once this caller holds the lock
 * for `key`, with the function that releases it.
 */
export type NonceLock = (key: string) => Promise<() => Promise<void>>;

/** A store that can lend a {@link NonceLock} (the TypeORM ledger: a PostgreSQL advisory lock). */
export interface NonceLockSource {
  nonceLock(key: string): Promise<() => Promise<void>>;
}

/** The nonce lock of a payment store, if it lends one. */
export function nonceLockOf(store: object): NonceLock | undefined {
  const source = store as Partial<NonceLockSource>;
  return typeof source.nonceLock === 'function' ? (key) => source.nonceLock!(key) : undefined;
}

/** Node answers that mean the nonce is taken by another transaction ("already known", our own transaction sent twice, is not one). */
const NONCE_TAKEN = /nonce too low|nonce has already been used|replacement transaction underpriced|nonce.*(?:is )?(?:too low|used)/i;

/** Whether a send failed only because its nonce was taken: sign again with a fresh one. */
export function isNonceConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message, details } = e as { name?: string; message?: string; details?: string };
    if (name === 'NonceTooLowError' || NONCE_TAKEN.test(`${message ?? ''} ${details ?? ''}`)) return true;
  }
  return false;
}
