import type { PaymentRecord } from '../ledger/payment-store.interface.js';
import { proofReceiptKey, type BindResult, type ProofReceiptLedger, type NewPaymentReference, type PaymentReference, type ProofStore, type TransferBinding } from './proof-store.interface.js';

/**
 * Payment references in process memory, with receipts in an `InMemoryPaymentStore`: correct
 * for one process, lost on restart. What `InMemoryPaymentStore.proofStore()` gives.
 *
 * @example
 * const proofs = new InMemoryPaymentStore().proofStore();
 */
export class InMemoryProofStore implements ProofStore {
  private readonly references = new Map<string, PaymentReference & { lockedUntil?: number }>();
  /** `network:transaction` -> reference */
  private readonly byTransaction = new Map<string, string>();

  constructor(private readonly payments: ProofReceiptLedger) {}

  async createReferences(references: NewPaymentReference[]): Promise<void> {
    for (const r of references) this.references.set(r.reference, { ...r, state: 'open', createdAt: new Date() });
  }

  async findReference(reference: string): Promise<PaymentReference | undefined> {
    const found = this.references.get(reference);
    return found ? this.copy(found) : undefined;
  }

  async bindTransaction(reference: string, binding: TransferBinding): Promise<BindResult> {
    const found = this.references.get(reference);
    if (!found) return { bound: false, conflict: 'unknown' };
    const transaction = binding.transaction.toLowerCase();
    if (found.transaction === transaction) return { bound: true, reference: this.copy(found) };
    if (found.transaction) return { bound: false, conflict: 'reference', reference: this.copy(found) };
    if (found.state !== 'open' || found.expiresAt.getTime() <= Date.now()) return { bound: false, conflict: 'expired', reference: this.copy(found) };
    const key = `${found.network}:${transaction}`;
    if (this.byTransaction.has(key)) return { bound: false, conflict: 'transaction' };
    this.byTransaction.set(key, reference);
    Object.assign(found, { state: 'pending', transaction, payer: binding.payer, blockNumber: binding.blockNumber, transferred: binding.transferred });
    return { bound: true, reference: this.copy(found) };
  }

  async claimReference(reference: string, holdMs: number): Promise<PaymentReference | undefined> {
    const found = this.references.get(reference);
    if (!found) return undefined;
    const expiredHold = found.state === 'claimed' && (found.lockedUntil ?? 0) < Date.now();
    if (found.state !== 'pending' && !expiredHold) return undefined;
    Object.assign(found, { state: 'claimed', lockedUntil: Date.now() + holdMs });
    return this.copy(found);
  }

  async releaseReference(reference: string): Promise<void> {
    const found = this.references.get(reference);
    if (found?.state === 'claimed') Object.assign(found, { state: 'pending', lockedUntil: undefined });
  }

  async useReference(reference: string): Promise<PaymentRecord | undefined> {
    const found = this.references.get(reference);
    if (!found || found.state !== 'claimed' || !found.transaction) return undefined;
    Object.assign(found, { state: 'used', usedAt: new Date(), lockedUntil: undefined });
    const claimed = await this.payments.claim({
      key: proofReceiptKey(found.network, found.transaction),
      network: found.network,
      asset: found.asset,
      payer: found.payer!,
      payTo: found.payTo,
      amount: found.transferred!,
      scheme: 'tx-hash',
      route: found.route,
      resourceUrl: found.resourceUrl,
      nonce: found.reference,
    });
    if (!claimed.claimed) return undefined;
    await this.payments.markSettled(claimed.record.id, found.transaction, undefined, { settled: found.transferred, authorized: found.amount });
    return this.payments.findById(claimed.record.id);
  }

  async isTransactionTaken(network: string, transaction: string): Promise<boolean> {
    return this.byTransaction.has(`${network}:${transaction.toLowerCase()}`) || this.payments.hasTransaction(transaction);
  }

  async purgeReferences(before: Date): Promise<number> {
    let purged = 0;
    for (const [id, r] of this.references) {
      if (r.expiresAt < before && (r.state === 'open' || r.state === 'used')) {
        this.references.delete(id);
        if (r.transaction) this.byTransaction.delete(`${r.network}:${r.transaction}`);
        purged++;
      }
    }
    return purged;
  }

  private copy({ lockedUntil: _, ...reference }: PaymentReference & { lockedUntil?: number }): PaymentReference {
    return { ...reference };
  }
}
