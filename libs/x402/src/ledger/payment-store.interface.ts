import type {
  ClaimOptions,
  ClaimResult,
  DeferredCaps,
  ExposureRow,
  OutboxStats,
  PaymentClaim,
  PaymentRecord,
  PaymentState,
  PendingSettlement,
  ResponseSnapshot,
  SettledAmounts,
} from './payment-record.types.js';

export * from './payment-record.types.js';

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
 * The life of one payment: claimed once (one atomic statement, so that several requests or instances can
 * never both claim it), then settled, queued, failed or released. What the payment methods need.
 */
export interface PaymentClaims {
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
  /**
   * Deferred mode: the handler succeeded; the payment waits in the outbox (`verified` -> `queued`); false if it was
   * not `verified`. With `caps` (given only to a store that {@link checksCapsWhenQueued}), the deferred caps are
   * checked in the same step, counting every claim committed before it: past them the record stays `verified`,
   * steps down to `authorization` mode, and `'over_caps'` is returned (the caller settles it before answering).
   */
  markQueued(id: string, settlement: PendingSettlement, settleBy: Date, response?: ResponseSnapshot, caps?: DeferredCaps): Promise<boolean | 'over_caps'>;
  /**
   * The store checks the deferred caps in `markQueued` (after the handler, one statement with the queueing) rather
   * than in `claim`: a deferred claim is then taken as `deferred` without them. Optional; without it, `claim` checks.
   */
  readonly checksCapsWhenQueued?: boolean;
  /** Records that the handler failed after an upfront settlement. */
  recordHandlerError(id: string, error: string): Promise<void>;
  /**
   * Upfront mode: takes the service of a payment settled without its handler having run (its settlement's
   * outcome was open, `handlerError` {@link UNSERVED_UPFRONT}), for one retry; false if it is not that (any more).
   * Optional: without it, such a payment is not served on a retry.
   */
  takeUnserved?(id: string): Promise<boolean>;
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
}

/** The deferred-settlement outbox: what the worker takes, puts back and reports. */
export interface SettlementOutbox {
  /**
   * Takes up to `limit` payments for settlement, holding them for `lockMs`: queued ones that are
   * due, and settling ones whose hold expired (an interrupted settlement, to reconcile). Rows taken
   * by one worker are skipped by the others (`FOR UPDATE SKIP LOCKED`).
   */
  takeDue(limit: number, lockMs: number): Promise<PaymentRecord[]>;
  /** Puts a taken payment back in the outbox for another attempt at `nextAttemptAt`. */
  requeue(id: string, reason: string, nextAttemptAt: Date): Promise<void>;
  /**
   * Records that one transaction settled all of `ids` (an outbox batch), as `markSettled` would one by one.
   * Optional: without it the worker calls `markSettled` for each, a write per payment competing with requests.
   */
  markBatchSettled?(ids: readonly string[], transaction: string): Promise<void>;
  /** Served but unsettled amounts (queued or settling, deferred mode), optionally for one payer. */
  unsettledExposure(payer?: string): Promise<ExposureRow[]>;
  outboxStats(): Promise<OutboxStats>;
}

/** Read-only queries of receipts and revenue (the receipts service, dashboards, sessions). */
export interface ReceiptQueries {
  /** Receipts, newest first. */
  findReceipts(filter?: ReceiptFilter): Promise<PaymentRecord[]>;
  /** Settled revenue per route, or per UTC day, hour or minute. */
  revenue(query: RevenueQuery): Promise<RevenueRow[]>;
}

/** Housekeeping: purge, and the startup schema check. */
export interface LedgerMaintenance {
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

/**
 * Where claims and receipts live: the narrow interfaces together, as one store implements them (in memory,
 * TypeORM). Each part of the library depends on the part it uses.
 */
export interface PaymentStore extends PaymentClaims, SettlementOutbox, ReceiptQueries, LedgerMaintenance {}

/** Injection token of the {@link PaymentStore} the module uses. */
export const PAYMENT_STORE = Symbol('x402:PaymentStore');
