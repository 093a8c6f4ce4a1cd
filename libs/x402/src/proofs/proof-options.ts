import type { ProofStore } from './proof-store.interface.js';

/**
 * Options of transaction-hash proofs (`@Priced(price, { txProof: true })`): a payer sends the token
 * with a plain transfer and presents the transaction hash instead of a signed authorization.
 *
 * @example
 * X402Module.forRoot({ ..., settlement: { rpcUrls: { 'eip155:8453': rpc } }, proofs: { confirmations: { 'eip155:8453': 3 } } })
 */
export interface X402ProofOptions {
  /**
   * Confirmations a transfer needs before it grants access, per network (default 1: mined). Proofs are
   * offered on the accepted networks the module can read (`settlement.rpcUrls`, or the local facilitator's).
   */
  confirmations?: Record<string, number>;
  /** How long a quoted payment reference can be paid, in seconds (default 3600). */
  ttlSeconds?: number;
  /** `Retry-After` of a transfer that is not yet confirmed, in seconds (default 2). */
  retryAfterSeconds?: number;
  /**
   * How long the chain head read when quoting is reused, in ms (default 1000; 0 reads it for every 402).
   * A quote binds its reference to transfers mined after that head.
   */
  headCacheMs?: number;
  /**
   * Key that signs payment references (HMAC), so a 402 stores nothing and a forged reference is refused
   * before any I/O: at least 32 characters, the same on every instance. Default `X402_PROOF_SECRET`
   * from the environment; without either, a random key per process (references then do not survive a
   * restart and are refused by other instances; a warning says so).
   */
  secret?: string;
  /** Where references live; default the payment store's own (`TypeOrmPaymentStore`, `InMemoryPaymentStore`). */
  store?: ProofStore;
}
