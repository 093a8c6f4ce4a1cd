import type { SettlementMode } from '../x402.settlement-mode.js';

/**
 * Lifecycle of a claimed payment: `verified` -> `settling` -> `settled` | `failed`; in deferred
 * mode `verified` -> `queued` (served, waiting for the outbox) -> `settling` -> `settled` | `failed`.
 */
export type PaymentState = 'verified' | 'queued' | 'settling' | 'settled' | 'failed';

export type { SettlementMode };

/** What a later settlement needs: the client's payload and the requirements it was verified against. */
export interface PendingSettlement {
  payload: unknown;
  requirements: unknown;
}

/** Queue figures of the deferred-settlement outbox. */
export interface OutboxStats {
  queued: number;
  settling: number;
  /** Creation time of the oldest payment not yet settled (queued or settling), if any. */
  oldestUnsettledAt?: Date;
}

/** Amount served but not yet settled, per asset, in atomic units. */
export interface ExposureRow {
  asset: string;
  amount: string;
}

/** The response a paid request got, kept so a repeat of the same payment gets it again. */
export interface ResponseSnapshot {
  status: number;
  headers: Record<string, string>;
  /** The handler's result: JSON value, or text when `kind` is `text`. */
  body: unknown;
  kind: 'json' | 'text';
}

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
  /** The EIP-3009 authorization nonce. */
  nonce: string;
  /** Client idempotency id (`payment-identifier` extension or `Idempotency-Key`), unique per payer. */
  paymentIdentifier?: string;
  /** Settlement mode of the request (default `authorization`). */
  mode?: SettlementMode;
}

/** What a settlement moved, recorded on the receipt (atomic units). */
export interface SettledAmounts {
  /** What the settlement moved (an `upto` payment's charge); default the claimed `amount`. Becomes the receipt's `amount`. */
  settled?: string;
  /** The most the payer authorized (`upto`); default the claimed `amount`. */
  authorized?: string;
}

/** A payment as the store keeps it: the receipt once settled. */
export interface PaymentRecord extends PaymentClaim {
  id: string;
  state: PaymentState;
  transaction?: string;
  /** Set on settlement: the most the payer authorized (`upto`: the signed maximum; else `amount`). */
  authorizedAmount?: string;
  /** Set on settlement: what moved (`upto`: the handler's charge; a transaction-hash proof: the transfer; else `amount`). */
  settledAmount?: string;
  errorReason?: string;
  response?: ResponseSnapshot;
  /** Kept for a settlement that happens after the response (deferred) or must be reconciled. */
  settlement?: PendingSettlement;
  /** The handler failed after the payment was settled (upfront mode): for reconciliation. */
  handlerError?: string;
  /** The state before the outbox took it (`queued`, or `settling` when recovering an interrupted settlement). */
  previousState?: PaymentState;
  attempts: number;
  /** Settlement must be submitted before this (the authorization's validBefore less a margin). */
  settleBy?: Date;
  createdAt: Date;
  updatedAt: Date;
  settledAt?: Date;
}

/** Outcome of {@link PaymentStore.claim}: the claim was taken, or the payment is already known (in flight or done). */
export type ClaimResult =
  | { claimed: true; record: PaymentRecord }
  /** `existing` holds the key, or (when `conflict` is `identifier`) the same payer's idempotency id. */
  | { claimed: false; existing: PaymentRecord; conflict: 'key' | 'identifier' };

/**
 * Caps of deferred exposure, in atomic units of the claim's asset. Exposure is what deferred mode served
 * before money moved: deferred payments `verified`, `queued`, `settling`, and `failed` (served, never paid:
 * a failed one keeps counting, see {@link PaymentStore.purge}).
 */
export interface DeferredCaps {
  /** Most exposure of one payer. */
  perPayer: string;
  /** Most exposure of all payers together. */
  total: string;
}

/** Options of {@link PaymentStore.claim}. */
export interface ClaimOptions {
  /** Whether a failed record of the key (or of the payer's idempotency id) may be taken over (default true). */
  retryFailed?: boolean;
  /**
   * A `deferred` claim is taken as deferred only when, counted with it, the payer's and the total exposure
   * stay within these caps and the payer has no failed deferred payment; otherwise it is taken in
   * `authorization` mode (settled before the response), across instances. Not given to a store that checks them in
   * `markQueued` instead (`checksCapsWhenQueued`).
   */
  deferredCaps?: DeferredCaps;
}

/** `handlerError` of an upfront payment whose handler has not run yet: its settlement's outcome was open. */
export const UNSERVED_UPFRONT = 'not_served:settlement_pending';
