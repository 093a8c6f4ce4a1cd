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
  private readonly references = new Map<string, PaymentReference & { lockedUntil?: number; owner?: string }>();
  /** `network:transaction` -> reference */
  private readonly byTransaction = new Map<string, string>();

  constructor(private readonly payments: ProofReceiptLedger) {}

  async findReference(reference: string): Promise<PaymentReference | undefined> {
    const found = this.references.get(reference);
    return found ? this.copy(found) : undefined;
  }

  async bindTransaction(quoted: NewPaymentReference, binding: TransferBinding): Promise<BindResult> {
    const transaction = binding.transaction.toLowerCase();
    const found = this.references.get(quoted.reference);
    if (found) {
      if (found.transaction === transaction) return { bound: true, reference: this.copy(found) };
      return { bound: false, conflict: 'reference', reference: this.copy(found) };
    }
    const key = `${quoted.network}:${transaction}`;
    if (this.byTransaction.has(key)) return { bound: false, conflict: 'transaction' };
    this.byTransaction.set(key, quoted.reference);
    const bound: PaymentReference = { ...quoted, state: 'pending', transaction, payer: binding.payer, blockNumber: binding.blockNumber, transferred: binding.transferred, createdAt: new Date() };
    this.references.set(quoted.reference, bound);
    return { bound: true, reference: this.copy(bound) };
  }

  async claimReference(reference: string, owner: string, holdMs: number): Promise<PaymentReference | undefined> {
    const found = this.references.get(reference);
    if (!found) return undefined;
    const expiredHold = found.state === 'claimed' && (found.lockedUntil ?? 0) < Date.now();
    if (found.state !== 'pending' && !expiredHold) return undefined;
    Object.assign(found, { state: 'claimed', owner, lockedUntil: Date.now() + holdMs });
    return this.copy(found);
  }

  async releaseReference(reference: string, owner: string): Promise<void> {
    const found = this.references.get(reference);
    if (found?.state === 'claimed' && found.owner === owner) Object.assign(found, { state: 'pending', owner: undefined, lockedUntil: undefined });
  }

  async useReference(reference: string, owner: string): Promise<PaymentRecord | undefined> {
    const found = this.references.get(reference);
    if (!found || found.state !== 'claimed' || found.owner !== owner || !found.transaction) return undefined;
    Object.assign(found, { state: 'used', usedAt: new Date(), owner: undefined, lockedUntil: undefined });
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
      if (r.expiresAt < before) {
        this.references.delete(id);
        if (r.transaction) this.byTransaction.delete(`${r.network}:${r.transaction}`);
        purged++;
      }
    }
    return purged;
  }

  private copy({ lockedUntil: _, owner: __, ...reference }: PaymentReference & { lockedUntil?: number; owner?: string }): PaymentReference {
    return { ...reference };
  }
}
