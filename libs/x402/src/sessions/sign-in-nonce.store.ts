import type { PaymentStore } from '../ledger/payment-store.interface.js';

/**
 * Nonces of `sign-in-with-x` challenges: each 402 of a route with an access window issues one, and a
 * sign-in is accepted only with a nonce this server issued, before it expires, once. A nonce a client
 * made up, an expired one and a used one are all refused (`invalid_siwx_nonce`).
 *
 * @example
 * X402Module.forRoot({ ...options, sessions: { nonceStore: new InMemorySignInNonceStore({ maxNonces: 10_000 }) } })
 */
export interface SignInNonceStore {
  /** Records a nonce just issued in a 402; it may be consumed until `expiresAt`. */
  issue(nonce: string, expiresAt: Date): Promise<void>;
  /** Consumes an issued nonce: true once, for a nonce issued here and unexpired at `now`; false otherwise (never issued, expired, used). */
  consume(nonce: string, now: Date): Promise<boolean>;
}

/** A payment store that keeps sign-in nonces on the same ledger (the built-in stores do). */
export interface SignInNonceSource {
  /** The sign-in nonce store on this ledger. */
  signInNonceStore(): SignInNonceStore;
}

/**
 * The sign-in nonce store of a payment store, if it has one.
 *
 * @example
 * signInNonceStoreOf(new TypeOrmPaymentStore(dataSource)) // a TypeOrmSignInNonceStore on the same database
 */
export function signInNonceStoreOf(store: PaymentStore): SignInNonceStore | undefined {
  const source = store as Partial<SignInNonceSource>;
  return typeof source.signInNonceStore === 'function' ? source.signInNonceStore() : undefined;
}

/** Injection token of the {@link SignInNonceStore} in use. */
export const SIGN_IN_NONCE_STORE = Symbol('x402:SignInNonceStore');

/** What a nonce of ours looks like (16 random bytes, hex): anything else is refused without a store lookup. */
export const SIGN_IN_NONCE = /^[0-9a-f]{32}$/;
