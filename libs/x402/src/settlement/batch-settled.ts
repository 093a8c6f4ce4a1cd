import type { SettleResponse } from '@x402/core/types';
import type { PaymentRecord, SettlementOutbox } from '../ledger/payment-store.interface.js';

/**
 * Records an outbox batch's successes with one write per settlement transaction, where the store can
 * (`markBatchSettled`), instead of one write per payment: 50 concurrent writes took the database pool
 * from the requests being served. Returns the records it recorded; the caller records the rest.
 */
export async function markBatchSettled(store: SettlementOutbox, records: PaymentRecord[], results: SettleResponse[]): Promise<Set<PaymentRecord>> {
  const marked = new Set<PaymentRecord>();
  if (!store.markBatchSettled) return marked;
  const transactions = new Set(results.filter((r) => r.success && r.transaction).map((r) => r.transaction));
  for (const transaction of transactions) {
    const group = records.filter((_, i) => results[i].success && results[i].transaction === transaction);
    await store.markBatchSettled(
      group.map((r) => r.id),
      transaction,
    );
    group.forEach((r) => marked.add(r));
  }
  return marked;
}
