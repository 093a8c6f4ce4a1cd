import type { NonceLock } from './nonce-lock.js';

/** Options of {@link LocalFacilitatorClient}: the gas wallet, the RPC per network and the batching of settlements. */
export interface LocalFacilitatorOptions {
  /** Gas-paying signer key. */
  privateKey: string;
  /** JSON-RPC URL per CAIP-2 network. */
  rpcUrls: Record<string, string>;
  /** Bound on each receipt wait (ms). */
  confirmationTimeoutMs?: number;
  /** The longest pause between two looks for a receipt (ms, default 250); the first looks come after 1, 2, 4 ... ms. */
  pollingIntervalMs?: number;
  /** Most payments settled in one Multicall3 transaction. */
  maxBatch?: number;
  /**
   * How long the next batch of settlements waits for the receipt of the transaction before it (ms, default 10), so
   * that the payments arriving meanwhile share its transaction; 0 sends it as soon as the one before is sent.
   */
  batchWaitMs?: number;
  /**
   * Lock shared by every process settling with this key (the module passes the TypeORM ledger's PostgreSQL
   * advisory lock), so replicas with one gas key never sign two transactions with one nonce.
   */
  nonceLock?: NonceLock;
}
