// The deferred outbox's figures over records in memory (the SQL store does the same in SQL): exposure, caps, queue stats.
import type { DeferredCaps, ExposureRow, OutboxStats, PaymentClaim, PaymentRecord } from './payment-store.interface.js';

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

/** What counts against a deferred claim's caps: the payer's and the total exposure, and whether the payer is barred. */
export interface Exposure {
  mine: bigint;
  total: bigint;
  /** The payer has a failed deferred payment: served, never paid. */
  blocked: boolean;
}

/** Whether a claim of `amount` fits: the payer is not barred and both exposures stay within their caps. */
export function fitsCaps(amount: string, exposure: Exposure, caps: DeferredCaps): boolean {
  const add = BigInt(amount);
  return !exposure.blocked && exposure.mine + add <= BigInt(caps.perPayer) && exposure.total + add <= BigInt(caps.total);
}

/** The exposure a deferred claim meets, over records in memory (deferred: verified, queued, settling or failed). */
export function exposureOf(records: Iterable<PaymentRecord>, claim: PaymentClaim): Exposure {
  const exposure: Exposure = { mine: 0n, total: 0n, blocked: false };
  const payer = claim.payer.toLowerCase();
  for (const r of records) {
    if (r.mode !== 'deferred' || r.state === 'settled' || r.key === claim.key) continue;
    const mine = r.payer.toLowerCase() === payer;
    if (mine && r.state === 'failed') exposure.blocked = true;
    if (r.asset.toLowerCase() !== claim.asset.toLowerCase()) continue;
    exposure.total += BigInt(r.amount);
    if (mine) exposure.mine += BigInt(r.amount);
  }
  return exposure;
}
