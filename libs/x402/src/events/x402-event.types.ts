import type { SettlementMode } from '../ledger/payment-store.interface.js';

/** Where a payment stopped: refused before the handler (guard), by the handler, or at settlement. */
export type X402PaymentStage = 'verify' | 'handler' | 'settle';

/**
 * What is known about a claimed payment. Never the signature, the authorization or its nonce:
 * events go to logs and metrics, and a signed authorization is a bearer instrument until settled.
 */
export interface X402PaymentFacts {
  /** `METHOD /path/template` of the route, e.g. `GET /weather/forecast/:city`. */
  readonly route: string;
  /** Id of the payment in the ledger: the correlation id of logs and receipts. */
  readonly receiptId: string;
  /** CAIP-2 network, e.g. `eip155:8453`. */
  readonly network: string;
  /** Token address. */
  readonly asset: string;
  /** Amount in the token's atomic units (decimal string). */
  readonly amount: string;
  /** Payer address (checksummed). */
  readonly payer: string;
  readonly mode: SettlementMode;
}

/** A 402 asking for a payment: the request carried none (or a paid session was refused). */
export interface X402ChallengeEvent {
  readonly type: 'challenge';
  readonly route: string;
  /** `payment_required`, or why a sign-in was refused (`no_paid_access`, ...). */
  readonly reason: string;
}

/** A payment was verified and claimed; the handler runs next (or ran first, in upfront mode). */
export interface X402VerifiedEvent extends X402PaymentFacts {
  readonly type: 'verified';
}

/** Money moved: the payment is settled on chain. */
export interface X402SettledEvent extends X402PaymentFacts {
  readonly type: 'settled';
  /** Settlement transaction hash. */
  readonly transaction: string;
  /** Duration of the facilitator's settle call (ms); absent when the settlement was found on chain (`reconciled`). */
  readonly latencyMs?: number;
  /** Settled by an earlier, interrupted attempt and found on chain afterwards. */
  readonly reconciled?: boolean;
}

/**
 * A payment was not charged. `stage` says where it stopped and `reason` why (the stable error code,
 * e.g. `payment_requirements_mismatch`, or the facilitator's reason, e.g. `insufficient_funds`).
 * Facts that were not known yet when it stopped (a malformed header has no payer) are absent.
 */
export interface X402FailedEvent extends Partial<X402PaymentFacts> {
  readonly type: 'failed';
  readonly route: string;
  readonly stage: X402PaymentStage;
  readonly reason: string;
  /** HTTP status the client got, when the failure answered the request. */
  readonly status?: number;
}

/** A repeat of a served payment got its stored response; nothing ran, nothing was charged again. */
export interface X402ReplayedEvent extends X402PaymentFacts {
  readonly type: 'replayed';
}

/** The facilitator failed (timeout, 5xx, invalid answer, unreachable): not the payer's fault. */
export interface X402FacilitatorErrorEvent {
  readonly type: 'facilitator_error';
  readonly operation: 'verify' | 'settle';
  /** `facilitator_error`, `facilitator_timeout` or `facilitator_unavailable`. */
  readonly code: string;
  readonly status: number;
  readonly route?: string;
  readonly network?: string;
}

/** The chain's RPC could not be reached (local facilitator, or reading the chain to reconcile). */
export interface X402RpcErrorEvent {
  readonly type: 'rpc_error';
  readonly operation: 'verify' | 'settle' | 'reconcile';
  readonly network?: string;
  readonly route?: string;
}

/** Everything {@link X402Events} publishes, discriminated by `type`. */
export type X402Event =
  | X402ChallengeEvent
  | X402VerifiedEvent
  | X402SettledEvent
  | X402FailedEvent
  | X402ReplayedEvent
  | X402FacilitatorErrorEvent
  | X402RpcErrorEvent;

/** The `type` of an {@link X402Event}: `'challenge'`, `'verified'`, `'settled'`, `'failed'`, ... */
export type X402EventType = X402Event['type'];

/** The event of one `type`. */
export type X402EventOf<T extends X402EventType> = Extract<X402Event, { type: T }>;

/** A listener: synchronous; what it throws (or a promise it returns rejects with) is logged, never propagated. */
export type X402EventListener<E extends X402Event = X402Event> = (event: E) => unknown;
