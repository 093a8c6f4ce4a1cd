import type { PaymentRecord, PaymentStore } from '../ledger/payment-store.interface.js';
import type { ChainReader } from './chain-reader.js';
import { paymentOnChain } from './payment-on-chain.js';

/** How often a held payment is looked up on chain for its retries, at most. */
const RECHECK_MS = 1_000;

/**
 * Payments held in `settling` with an open outcome (a facilitator timeout or 5xx, a crash mid-settlement),
 * looked up on chain before their hold ends: when a payer sends one again, and for all of them at startup
 * (what an instance that died held) and every `settlement.reconcileIntervalMs`. Only a settlement is
 * concluded here (the Transfer to payTo found: a chain fact, whoever else holds the payment); anything
 * else is left to the outbox when the hold ends.
 */
export class HeldPayments {
  /** When each held payment was last looked up for a retry. */
  private readonly rechecked = new Map<string, number>();

  constructor(
    private readonly chain: ChainReader,
    private readonly store: PaymentStore,
    private readonly settled: (record: PaymentRecord, transaction: string) => Promise<unknown>,
  ) {}

  /**
   * Looks on chain for one held payment and returns it as it now is (settled when its Transfer to payTo
   * was found). At most one look per payment every `every` ms, however often it is sent.
   */
  async recheck(record: PaymentRecord, every = RECHECK_MS): Promise<PaymentRecord> {
    if (record.scheme === 'upto' || !this.chain.covers(record.network)) return record;
    const now = Date.now();
    if (now - (this.rechecked.get(record.id) ?? 0) < every) return record;
    if (this.rechecked.size >= 10_000) this.rechecked.clear();
    this.rechecked.set(record.id, now);
    const known = await paymentOnChain(this.chain, record).catch(() => undefined);
    if (!known?.used || known.paid !== true || !known.transaction) return record;
    await this.settled(record, known.transaction);
    return (await this.store.findById(record.id)) ?? record;
  }

  /** Looks on chain for every held payment, whoever holds it; returns how many were found settled. */
  async reconcile(limit = 1000): Promise<number> {
    const held = await this.store.findReceipts({ state: 'settling', limit });
    let settled = 0;
    for (const record of held) if ((await this.recheck(record, 0)).state === 'settled') settled++;
    return settled;
  }
}
