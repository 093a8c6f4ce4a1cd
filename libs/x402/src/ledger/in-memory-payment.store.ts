import { randomUUID } from 'node:crypto';
import type { ClaimOptions, ClaimResult, ExposureRow, OutboxStats, PendingSettlement, PaymentClaim, PaymentRecord, PaymentStore, ReceiptFilter, ResponseSnapshot, RevenueQuery, RevenueRow, SettledAmounts } from './payment-store.interface.js';
import { UNSERVED_UPFRONT } from './payment-store.interface.js';
import type { ProofStore } from '../proofs/proof-store.interface.js';
import { InMemoryProofStore } from '../proofs/in-memory-proof.store.js';
import { clampLimit, matchesFilter, revenueRows } from './receipt-queries.js';
import { exposureOf, fitsCaps, outboxStatsOf, unsettledExposureOf } from './outbox-figures.js';

/** Options of {@link InMemoryPaymentStore}. */
export interface InMemoryPaymentStoreOptions {
  /**
   * Most payments kept (default 100,000, about 100-200 MB with snapshots). Past it, the oldest
   * settled and failed ones are dropped (their receipts and replay snapshots are lost; a payment
   * in flight or queued is never dropped). A durable store keeps everything.
   */
  maxRecords?: number;
}

/**
 * A {@link PaymentStore} in process memory: correct for one process, lost on restart, and
 * bounded (`maxRecords`): old receipts are dropped. The default when no durable store is
 * configured; for production use the TypeORM store. Also handy in unit tests.
 *
 * @example
 * X402Module.forRoot({ ..., store: new InMemoryPaymentStore({ maxRecords: 10_000 }) })
 */
export class InMemoryPaymentStore implements PaymentStore {
  private readonly maxRecords: number;

  constructor(options: InMemoryPaymentStoreOptions = {}) {
    const max = options.maxRecords ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new Error(`InMemoryPaymentStore: maxRecords must be a positive integer, got ${max}`);
    this.maxRecords = max;
  }

  private readonly byId = new Map<string, PaymentRecord>();
  private readonly byKey = new Map<string, string>();
  private readonly sessionNonces = new Map<string, Date>();
  /** Outbox bookkeeping that is not part of a record: hold and next attempt times. */
  private readonly lockedUntil = new Map<string, number>();
  private readonly nextAttemptAt = new Map<string, number>();
  private proofs?: ProofStore;

  async claim(claim: PaymentClaim, options: ClaimOptions = {}): Promise<ClaimResult> {
    const retryFailed = options.retryFailed ?? true;
    const existing = this.get(this.byKey.get(claim.key));
    // a failed deferred payment was served and never paid: never taken over (it keeps its exposure)
    if (existing && (existing.state !== 'failed' || !retryFailed || existing.mode === 'deferred')) return { claimed: false, existing: { ...existing }, conflict: 'key' };
    if (claim.paymentIdentifier) {
      const same = [...this.byId.values()].find(
        (r) => r.payer.toLowerCase() === claim.payer.toLowerCase() && r.paymentIdentifier === claim.paymentIdentifier && r.key !== claim.key,
      );
      if (same && (same.state !== 'failed' || !retryFailed)) return { claimed: false, existing: { ...same }, conflict: 'identifier' };
      if (same) same.paymentIdentifier = undefined;
    }
    const now = new Date();
    // no await between the cap check and the write: concurrent claims see each other
    const caps = options.deferredCaps;
    const deferred = claim.mode === 'deferred' && (!caps || fitsCaps(claim.amount, exposureOf(this.byId.values(), claim), caps));
    const mode = claim.mode === 'deferred' && !deferred ? 'authorization' : (claim.mode ?? 'authorization');
    const fresh = { mode, state: 'verified' as const, updatedAt: now };
    const record: PaymentRecord = existing
      ? Object.assign(existing, claim, fresh, {
          transaction: undefined,
          errorReason: undefined,
          response: undefined,
          settlement: undefined,
          handlerError: undefined,
          attempts: existing.attempts + 1,
        })
      : { ...claim, ...fresh, id: randomUUID(), attempts: 1, createdAt: now };
    this.byId.set(record.id, record);
    this.byKey.set(claim.key, record.id);
    this.evict();
    return { claimed: true, record: { ...record } };
  }

  async markSettling(id: string, pending: { settlement?: PendingSettlement; response?: ResponseSnapshot; lockMs?: number } = {}): Promise<boolean> {
    const record = this.get(id);
    if (!record || record.state !== 'verified') return false;
    this.update(record, { state: 'settling', settlement: pending.settlement ?? record.settlement, response: pending.response ?? record.response });
    this.lockedUntil.set(id, Date.now() + (pending.lockMs ?? 120_000));
    return true;
  }

  async markQueued(id: string, settlement: PendingSettlement, settleBy: Date, response?: ResponseSnapshot): Promise<boolean> {
    const record = this.get(id);
    if (!record || record.state !== 'verified') return false;
    this.update(record, { state: 'queued', settlement, settleBy, response });
    this.nextAttemptAt.set(id, Date.now());
    return true;
  }

  async takeDue(limit: number, lockMs: number): Promise<PaymentRecord[]> {
    const now = Date.now();
    const due = [...this.byId.values()]
      .filter(
        (r) =>
          (r.state === 'queued' && (this.nextAttemptAt.get(r.id) ?? 0) <= now) ||
          (r.state === 'settling' && r.settlement !== undefined && (this.lockedUntil.get(r.id) ?? 0) < now),
      )
      .sort((a, b) => (this.nextAttemptAt.get(a.id) ?? 0) - (this.nextAttemptAt.get(b.id) ?? 0))
      .slice(0, limit);
    return due.map((r) => {
      const previousState = r.state;
      this.update(r, { state: 'settling', attempts: r.attempts + 1 });
      this.lockedUntil.set(r.id, now + lockMs);
      return { ...r, previousState };
    });
  }

  async requeue(id: string, reason: string, nextAttemptAt: Date): Promise<void> {
    const record = this.get(id);
    if (!record || record.state === 'settled') return;
    this.update(record, { state: 'queued', errorReason: reason });
    this.nextAttemptAt.set(id, nextAttemptAt.getTime());
  }

  async recordHandlerError(id: string, error: string): Promise<void> {
    const record = this.get(id);
    if (record) this.update(record, { handlerError: error });
  }

  async takeUnserved(id: string): Promise<boolean> {
    const record = this.get(id);
    if (record?.state !== 'settled' || record.mode !== 'upfront' || record.handlerError !== UNSERVED_UPFRONT) return false;
    this.update(record, { handlerError: undefined });
    return true;
  }

  async unsettledExposure(payer?: string): Promise<ExposureRow[]> {
    return unsettledExposureOf(this.byId.values(), payer);
  }

  async outboxStats(): Promise<OutboxStats> {
    return outboxStatsOf(this.byId.values());
  }

  async markSettled(id: string, transaction: string, response?: ResponseSnapshot, amounts: SettledAmounts = {}): Promise<void> {
    this.settle(id, transaction, response, amounts);
  }

  async markBatchSettled(ids: readonly string[], transaction: string): Promise<void> {
    for (const id of ids) this.settle(id, transaction);
  }

  private settle(id: string, transaction: string, response?: ResponseSnapshot, amounts: SettledAmounts = {}): void {
    const record = this.get(id);
    if (!record) return;
    const amount = amounts.settled ?? record.amount;
    this.update(record, { state: 'settled', transaction, response, settledAt: new Date(), amount, authorizedAmount: amounts.authorized ?? record.authorizedAmount ?? record.amount, settledAmount: amount });
  }

  /** References of transaction-hash proofs, kept in this process with these payments. */
  proofStore(): ProofStore {
    return (this.proofs ??= new InMemoryProofStore(this));
  }

  /** Whether a settled receipt carries this transaction hash (for {@link InMemoryProofStore}). */
  hasTransaction(transaction: string): boolean {
    const hash = transaction.toLowerCase();
    return [...this.byId.values()].some((r) => r.transaction?.toLowerCase() === hash);
  }

  async markFailed(id: string, reason: string): Promise<void> {
    const record = this.get(id);
    if (record) this.update(record, { state: 'failed', errorReason: reason });
  }

  async release(id: string): Promise<void> {
    const record = this.get(id);
    if (!record || record.state !== 'verified') return;
    this.lockedUntil.delete(id);
    this.nextAttemptAt.delete(id);
    this.byId.delete(id);
    if (this.byKey.get(record.key) === id) this.byKey.delete(record.key);
  }

  async findById(id: string): Promise<PaymentRecord | undefined> {
    const record = this.get(id);
    return record ? { ...record } : undefined;
  }

  async findByKey(key: string): Promise<PaymentRecord | undefined> {
    return this.findById(this.byKey.get(key) ?? '');
  }

  async findReceipts(filter: ReceiptFilter = {}): Promise<PaymentRecord[]> {
    const { limit, offset } = clampLimit(filter);
    return [...this.byId.values()]
      .filter((r) => matchesFilter(r, filter))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(offset, offset + limit)
      .map((r) => ({ ...r }));
  }

  async revenue(query: RevenueQuery): Promise<RevenueRow[]> {
    return revenueRows([...this.byId.values()], query);
  }

  /** Over `maxRecords`: drops the oldest finished payments (settled or failed) down to 90% of it, in one pass. */
  private evict(): void {
    if (this.byId.size <= this.maxRecords) return;
    const target = Math.floor(this.maxRecords * 0.9);
    for (const record of this.byId.values()) {
      if (this.byId.size <= target) break;
      if (record.state !== 'settled' && (record.state !== 'failed' || record.mode === 'deferred')) continue; // a failed deferred one holds exposure
      this.byId.delete(record.id);
      this.lockedUntil.delete(record.id);
      this.nextAttemptAt.delete(record.id);
      if (this.byKey.get(record.key) === record.id) this.byKey.delete(record.key);
    }
  }

  async consumeSessionNonce(nonce: string, expiresAt: Date): Promise<boolean> {
    if (this.sessionNonces.has(nonce)) return false;
    this.sessionNonces.set(nonce, expiresAt);
    return true;
  }

  async purge(before: Date): Promise<number> {
    let changed = 0;
    for (const [nonce, expiresAt] of this.sessionNonces) {
      if (expiresAt < before) {
        this.sessionNonces.delete(nonce);
        changed++;
      }
    }
    for (const record of [...this.byId.values()]) {
      if (record.updatedAt >= before) continue;
      if (record.state === 'failed' && record.mode !== 'deferred') {
        this.byId.delete(record.id);
        if (this.byKey.get(record.key) === record.id) this.byKey.delete(record.key);
        changed++;
      } else if (record.response) {
        record.response = undefined;
        changed++;
      }
    }
    return changed;
  }

  private get(id: string | undefined): PaymentRecord | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }

  private update(record: PaymentRecord, patch: Partial<PaymentRecord>): void {
    Object.assign(record, patch, { updatedAt: new Date() });
  }
}
