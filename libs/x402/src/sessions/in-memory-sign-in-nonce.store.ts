import type { SignInNonceStore } from './sign-in-nonce.store.js';

/** Options of {@link InMemorySignInNonceStore}. */
export interface InMemorySignInNonceStoreOptions {
  /** Most unconsumed nonces kept (default 100,000, a few MB). Past it the oldest are forgotten: a sign-in on one of them is refused, never accepted. */
  maxNonces?: number;
}

/**
 * Sign-in nonces in process memory, bounded and expiring: correct for one process (a sign-in on another
 * instance than the one that issued its nonce is refused). The default when the payment store has none.
 *
 * @example
 * new InMemorySignInNonceStore({ maxNonces: 10_000 })
 */
export class InMemorySignInNonceStore implements SignInNonceStore {
  private readonly maxNonces: number;
  /** Nonce -> expiry (ms). Insertion order is issue order, so the oldest come first. */
  private readonly nonces = new Map<string, number>();

  constructor(options: InMemorySignInNonceStoreOptions = {}) {
    const max = options.maxNonces ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new Error(`InMemorySignInNonceStore: maxNonces must be a positive integer, got ${max}`);
    this.maxNonces = max;
  }

  async issue(nonce: string, expiresAt: Date): Promise<void> {
    const now = Date.now();
    for (const [oldest, expiry] of this.nonces) {
      if (expiry > now && this.nonces.size < this.maxNonces) break;
      this.nonces.delete(oldest);
    }
    this.nonces.set(nonce, expiresAt.getTime());
  }

  async consume(nonce: string, now: Date): Promise<boolean> {
    const expiry = this.nonces.get(nonce);
    if (expiry === undefined) return false;
    this.nonces.delete(nonce);
    return expiry > now.getTime();
  }

  /** How many nonces are held (for tests and metrics). */
  get size(): number {
    return this.nonces.size;
  }
}
