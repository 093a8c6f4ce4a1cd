import { randomUUID } from 'node:crypto';
import type { ClaimResult, PaymentClaim, PaymentRecord, PaymentStore } from './payment-store.interface.js';

/**
 * A {@link PaymentStore} in process memory: correct for one process, lost on restart.
 * The default until a durable store is configured.
 *
 * @example
 * X402Module.forRoot({ ..., store: new InMemoryPaymentStore() })
 */
export class InMemoryPaymentStore implements PaymentStore {
  private readonly byId = new Map<string, PaymentRecord>();
  private readonly byKey = new Map<string, string>();

  async claim(claim: PaymentClaim): Promise<ClaimResult> {
    const existingId = this.byKey.get(claim.key);
    const existing = existingId ? this.byId.get(existingId) : undefined;
    if (existing && existing.state !== 'failed') return { claimed: false, existing: { ...existing } };
    const now = new Date();
    const record: PaymentRecord = { ...claim, id: randomUUID(), state: 'verified', createdAt: now, updatedAt: now };
    this.byId.set(record.id, record);
    this.byKey.set(claim.key, record.id);
    return { claimed: true, record: { ...record } };
  }

  async markSettling(id: string): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record || record.state !== 'verified') return false;
    this.update(record, { state: 'settling' });
    return true;
  }

  async markSettled(id: string, transaction: string): Promise<void> {
    const record = this.byId.get(id);
    if (record) this.update(record, { state: 'settled', transaction });
  }

  async markFailed(id: string, reason: string): Promise<void> {
    const record = this.byId.get(id);
    if (record) this.update(record, { state: 'failed', errorReason: reason });
  }

  async release(id: string): Promise<void> {
    const record = this.byId.get(id);
    if (!record) return;
    this.byId.delete(id);
    if (this.byKey.get(record.key) === id) this.byKey.delete(record.key);
  }

  async findById(id: string): Promise<PaymentRecord | undefined> {
    const record = this.byId.get(id);
    return record ? { ...record } : undefined;
  }

  private update(record: PaymentRecord, patch: Partial<PaymentRecord>): void {
    Object.assign(record, patch, { updatedAt: new Date() });
  }
}
