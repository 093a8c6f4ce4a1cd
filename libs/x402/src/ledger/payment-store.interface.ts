/** Lifecycle of a claimed payment: `verified` -> `settling` -> `settled` | `failed`. */
export type PaymentState = 'verified' | 'settling' | 'settled' | 'failed';

/** What is known about a payment when it is claimed, before the handler runs. */
export interface PaymentClaim {
  /** Replay key: network + asset + payer + authorization nonce (lower case). */
  key: string;
  network: string;
  asset: string;
  payer: string;
  payTo: string;
  /** Amount in atomic units. */
  amount: string;
  scheme: string;
  /** `METHOD /path/template` of the route. */
  route: string;
  resourceUrl: string;
}

/** A payment as the store keeps it. */
export interface PaymentRecord extends PaymentClaim {
  id: string;
  state: PaymentState;
  transaction?: string;
  errorReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ClaimResult = { claimed: true; record: PaymentRecord } | { claimed: false; existing: PaymentRecord };

/**
 * Where claims and receipts live. Every method must be atomic on its own so that several
 * requests (or several app instances sharing the store) can never both claim one payment.
 */
export interface PaymentStore {
  /** Claims a payment key. Succeeds if the key is new or its earlier attempt failed without charge. */
  claim(claim: PaymentClaim): Promise<ClaimResult>;
  /** Moves a claim from `verified` to `settling`; false if it was not `verified`. */
  markSettling(id: string): Promise<boolean>;
  /** Records a successful settlement. */
  markSettled(id: string, transaction: string): Promise<void>;
  /** Records a settlement that did not move money, freeing the key for a new attempt. */
  markFailed(id: string, reason: string): Promise<void>;
  /** Drops a claim that never reached settlement (verification failed, handler failed). */
  release(id: string): Promise<void>;
  findById(id: string): Promise<PaymentRecord | undefined>;
}

/** Injection token of the {@link PaymentStore} the module uses. */
export const PAYMENT_STORE = Symbol('x402:PaymentStore');
