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
   * `authorization` mode (settled before the response). Decided atomically with the claim, across instances.
   */
  deferredCaps?: DeferredCaps;
}

/** Filter of {@link PaymentStore.findReceipts}. */
export interface ReceiptFilter {
  id?: string;
  payer?: string;
  route?: string;
  state?: PaymentState;
  from?: Date;
  to?: Date;
  /** Default 100, at most 1000. */
  limit?: number;
  offset?: number;
}

/** Settled revenue of one group, in atomic units of one asset. */
export interface RevenueRow {
  /**
   * The route template (`by: 'route'`), or the start of a UTC period: `YYYY-MM-DD` (`day`),
   * `YYYY-MM-DDTHH:00Z` (`hour`), `YYYY-MM-DDTHH:MMZ` (`minute`).
   */
  group: string;
  network: string;
  asset: string;
  /** Sum of settled amounts, atomic units as a decimal string. */
  amount: string;
  payments: number;
}

/** Filter and grouping of {@link PaymentStore.revenue}: by route or by day, within a time range. */
export interface RevenueQuery {
  by: 'route' | 'day' | 'hour' | 'minute';
  from?: Date;
  to?: Date;
}

/**
 * Where claims and receipts live. Every write is one atomic statement so that several requests,
 * or several app instances sharing the store, can never both claim one payment.
 */
export interface PaymentStore {
  /**
   * Claims a payment key. Succeeds if the key is new or, unless `options.retryFailed` is false, its
   * earlier attempt failed without charge (the failed record, or the failed payment holding the
   * payer's idempotency id, is then taken over). With `retryFailed: false` a failed record is left as
   * it is and returned as the conflict, so that only a verified payment replaces it. A failed deferred
   * payment (served, never paid) is never taken over. The record's `mode` is the mode the claim was taken in.
   */
  claim(claim: PaymentClaim, options?: ClaimOptions): Promise<ClaimResult>;
  /**
   * Moves a claim from `verified` to `settling`, keeping what a recovery needs (payload and, if any,
   * the response to replay) and holding it for `lockMs`; false if it was not `verified`.
   */
  markSettling(id: string, pending?: { settlement?: PendingSettlement; response?: ResponseSnapshot; lockMs?: number }): Promise<boolean>;
  /** Deferred mode: the response went out; the payment waits in the outbox (`verified` -> `queued`). */
  markQueued(id: string, settlement: PendingSettlement, settleBy: Date, response?: ResponseSnapshot): Promise<boolean>;
  /**
   * Takes up to `limit` payments for settlement, holding them for `lockMs`: queued ones that are
   * due, and settling ones whose hold expired (an interrupted settlement, to reconcile). Rows taken
   * by one worker are skipped by the others (`FOR UPDATE SKIP LOCKED`).
   */
  takeDue(limit: number, lockMs: number): Promise<PaymentRecord[]>;
  /** Puts a taken payment back in the outbox for another attempt at `nextAttemptAt`. */
  requeue(id: string, reason: string, nextAttemptAt: Date): Promise<void>;
  /** Records that the handler failed after an upfront settlement. */
  recordHandlerError(id: string, error: string): Promise<void>;
  /**
   * Upfront mode: takes the service of a payment settled without its handler having run (its settlement's
   * outcome was open, `handlerError` {@link UNSERVED_UPFRONT}), for one retry; false if it is not that (any more).
   * Optional: without it, such a payment is not served on a retry.
   */
  takeUnserved?(id: string): Promise<boolean>;
  /** Served but unsettled amounts (queued or settling, deferred mode), optionally for one payer. */
  unsettledExposure(payer?: string): Promise<ExposureRow[]>;
  outboxStats(): Promise<OutboxStats>;
  /**
   * Records a successful settlement and, optionally, the response to replay and what it moved
   * (an `upto` payment settles its charge, at most what was authorized: `amount` becomes that charge).
   */
  markSettled(id: string, transaction: string, response?: ResponseSnapshot, amounts?: SettledAmounts): Promise<void>;
  /** Records a settlement that did not move money, freeing the key for a new attempt. */
  markFailed(id: string, reason: string): Promise<void>;
  /** Drops a claim that never reached settlement (verification failed, handler failed). */
  release(id: string): Promise<void>;
  findById(id: string): Promise<PaymentRecord | undefined>;
  findByKey(key: string): Promise<PaymentRecord | undefined>;
  /** Receipts, newest first. */
  findReceipts(filter?: ReceiptFilter): Promise<PaymentRecord[]>;
  /** Settled revenue per route, or per UTC day, hour or minute. */
  revenue(query: RevenueQuery): Promise<RevenueRow[]>;
  /**
   * Drops response snapshots, failed attempts and expired sign-in nonces older than `before`; returns how many
   * rows changed. Failed deferred payments (served, never paid) are kept: they hold their payer's and the
   * total exposure (see {@link DeferredCaps}) until an operator deletes them.
   */
  purge(before: Date): Promise<number>;
  /**
   * Marks a sign-in (`sign-in-with-x`) nonce used; false if it was used before. Kept at least until `expiresAt`.
   * @deprecated No longer called: a sign-in consumes a nonce the server issued, in the `SignInNonceStore`. Kept so that custom stores still compile.
   */
  consumeSessionNonce(nonce: string, expiresAt: Date): Promise<boolean>;
  /** Called once at startup: rejects (an `X402ConfigError` naming `store`) when the storage is not ready, e.g. migrations not run. */
  checkSchema?(): Promise<void>;
}

/** `handlerError` of an upfront payment whose handler has not run yet: its settlement's outcome was open. */
export const UNSERVED_UPFRONT = 'not_served:settlement_pending';

/** Injection token of the {@link PaymentStore} the module uses. */
export const PAYMENT_STORE = Symbol('x402:PaymentStore');
