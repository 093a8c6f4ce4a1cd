import { randomUUID } from 'node:crypto';
import type {
  ClaimResult,
  PaymentClaim,
  PaymentRecord,
  PaymentStore,
  ReceiptFilter,
  ResponseSnapshot,
  RevenueQuery,
  RevenueRow,
} from './payment-store.interface.js';
import { clampLimit, matchesFilter, revenueRows } from './receipt-queries.js';

/**
 * A {@link PaymentStore} in process memory: correct for one process, lost on restart.
 * The default when no durable store is configured; also handy in unit tests.
 *
 * @example
 * X402Module.forRoot({ ..., store: new InMemoryPaymentStore() })
 */
export class InMemoryPaymentStore implements PaymentStore {
  private readonly byId = new Map<string, PaymentRecord>();
  private readonly byKey = new Map<string, string>();

  async claim(claim: PaymentClaim): Promise<ClaimResult> {
    const existing = this.get(this.byKey.get(claim.key));
    if (existing && existing.state !== 'failed') return { claimed: false, existing: { ...existing }, conflict: 'key' };
    if (claim.paymentIdentifier) {
      const same = [...this.byId.values()].find(
        (r) => r.payer.toLowerCase() === claim.payer.toLowerCase() && r.paymentIdentifier === claim.paymentIdentifier && r.key !== claim.key,
      );
      if (same && same.state !== 'failed') return { claimed: false, existing: { ...same }, conflict: 'identifier' };
      if (same) same.paymentIdentifier = undefined;
    }
    const now = new Date();
    const record: PaymentRecord = existing
      ? Object.assign(existing, claim, { state: 'verified', transaction: undefined, errorReason: undefined, response: undefined, updatedAt: now })
      : { ...claim, id: randomUUID(), state: 'verified', createdAt: now, updatedAt: now };
    this.byId.set(record.id, record);
    this.byKey.set(claim.key, record.id);
    return { claimed: true, record: { ...record } };
  }

  async markSettling(id: string): Promise<boolean> {
    const record = this.get(id);
    if (!record || record.state !== 'verified') return false;
    this.update(record, { state: 'settling' });
    return true;
  }

  async markSettled(id: string, transaction: string, response?: ResponseSnapshot): Promise<void> {
    const record = this.get(id);
    if (record) this.update(record, { state: 'settled', transaction, response, settledAt: new Date() });
  }

  async markFailed(id: string, reason: string): Promise<void> {
    const record = this.get(id);
    if (record) this.update(record, { state: 'failed', errorReason: reason });
  }

  async release(id: string): Promise<void> {
    const record = this.get(id);
    if (!record || record.state !== 'verified') return;
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

  async purge(before: Date): Promise<number> {
    let changed = 0;
    for (const record of [...this.byId.values()]) {
      if (record.updatedAt >= before) continue;
      if (record.state === 'failed') {
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
