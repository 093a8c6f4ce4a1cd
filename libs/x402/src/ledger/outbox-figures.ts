// The deferred outbox's figures computed over records in memory (the SQL store does the same in SQL).
import type { ExposureRow, OutboxStats, PaymentRecord } from './payment-store.interface.js';

/** Served but unsettled deferred amounts per asset (queued or settling), optionally of one payer. */
export function unsettledExposureOf(records: Iterable<PaymentRecord>, payer?: string): ExposureRow[] {
  const sums = new Map<string, bigint>();
  for (const r of records) {
    if (r.mode !== 'deferred' || (r.state !== 'queued' && r.state !== 'settling')) continue;
    if (payer !== undefined && r.payer.toLowerCase() !== payer.toLowerCase()) continue;
    sums.set(r.asset, (sums.get(r.asset) ?? 0n) + BigInt(r.amount));
  }
  return [...sums].map(([asset, amount]) => ({ asset, amount: amount.toString() }));
}

/** Queued and settling counts of the outbox, and the oldest payment not yet settled. */
export function outboxStatsOf(records: Iterable<PaymentRecord>): OutboxStats {
  const pending = [...records].filter((r) => r.state === 'queued' || (r.state === 'settling' && r.mode === 'deferred'));
  const oldest = pending.reduce<Date | undefined>((min, r) => (!min || r.createdAt < min ? r.createdAt : min), undefined);
  return { queued: pending.filter((r) => r.state === 'queued').length, settling: pending.filter((r) => r.state === 'settling').length, oldestUnsettledAt: oldest };
}
