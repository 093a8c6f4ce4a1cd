import type { Logger } from '@nestjs/common';
import type { SettleResponse } from '@x402/core/types';
import type { X402Config } from '../config/x402.config.js';
import { outageEvent } from '../events/outage-event.js';
import { paymentFacts } from '../events/payment-facts.js';
import type { X402Events } from '../events/x402.events.js';
import { facilitatorFailure } from '../facilitator/facilitator-errors.js';
import { reasonCode } from '../facilitator/failure-reason.js';
import type { PaymentRecord, PaymentStore } from '../ledger/payment-store.interface.js';
import type { ChainReader } from './chain-reader.js';
import { NONCE_SPENT, paymentOnChain, PERMANENT } from './payment-on-chain.js';

/** What became of a payment the outbox took (`held`: its outcome is still open, looked at again after the hold). */
export type OutboxOutcome = 'settled' | 'requeued' | 'failed' | 'held';

/** Whether a deferred payment is past the time by which it had to be settled. */
export function pastDeadline(record: PaymentRecord): boolean {
  return record.settleBy !== undefined && Date.now() > record.settleBy.getTime();
}

/**
 * Records what became of a payment the outbox worked on: settled (a Transfer to payTo seen), requeued with a
 * backoff, failed once it can no longer land, or held while the chain cannot tell. Each outcome is written to the
 * ledger, published and logged here, so that the settlement service only decides which one applies.
 */
export class OutboxOutcomes {
  constructor(
    private readonly store: PaymentStore,
    /** The service's chain reader as it is now (a subclass or a test may replace it). */
    private readonly chain: () => ChainReader,
    private readonly config: X402Config,
    private readonly events: () => X402Events,
    private readonly logger: Logger,
  ) {}

  /** Leaves a payment held (`settling`, locked until the hold the outbox took ends): looked at again then. */
  hold(record: PaymentRecord, reason: string): OutboxOutcome {
    this.logger.warn(`payment ${record.id}: settlement outcome still open (${reason}); looking again later`);
    return 'held';
  }

  /** `recorded`: a success already written (with its batch). */
  async recordAttempt(record: PaymentRecord, result: SettleResponse, latencyMs?: number, recorded = false): Promise<OutboxOutcome> {
    if (result.success) {
      if (!recorded) await this.store.markSettled(record.id, result.transaction);
      this.events().emit({ type: 'settled', ...paymentFacts(record), transaction: result.transaction, latencyMs });
      return 'settled';
    }
    const reason = reasonCode(result.errorReason, 'settlement_failed'); // a code only, never a facilitator's free text
    if (NONCE_SPENT.test(reason)) return this.settleFromChain(record, reason);
    return PERMANENT.test(reason) ? this.fail(record, reason) : this.retry(record, reason);
  }

  recordError(record: PaymentRecord, error: unknown): Promise<OutboxOutcome> {
    const failure = facilitatorFailure(error, 'settle');
    const outage = outageEvent(error, failure, 'settle', { route: record.route, network: record.network });
    if (outage) this.events().emit(outage);
    if (NONCE_SPENT.test(failure.code)) return this.settleFromChain(record, failure.code);
    return failure.getStatus() === 402 && PERMANENT.test(failure.code) ? this.fail(record, failure.code) : this.retry(record, failure.code);
  }

  /**
   * A refusal that an earlier attempt of the same payment can cause (its nonce used, the transaction
   * reverted, a settlement still pending): the chain decides. Settled when the earlier attempt's Transfer
   * to payTo is found; failed when the nonce went another way; held while that cannot be read; only a
   * nonce still unused leaves the refusal as it is.
   */
  async settleFromChain(record: PaymentRecord, reason: string): Promise<OutboxOutcome> {
    if (!this.chain().covers(record.network)) return this.hold(record, reason); // cannot tell: looked at again after the hold
    const known = await paymentOnChain(this.chain(), record).catch(() => undefined);
    if (known === undefined) return this.hold(record, reason);
    if (known.used && known.paid === false) return this.fail(record, 'authorization_used_without_payment');
    if (known.used && (known.paid === true || record.scheme === 'upto')) {
      return this.foundOnChain(record, known.transaction ?? '', `reconciled after ${reason}`);
    }
    if (known.used) return this.hold(record, reason); // used, its transaction not found yet
    // Unused: an earlier attempt may still be on its way (then this is not final); else the refusal stands.
    const earlier = record.previousState === 'settling' || record.attempts > 2;
    return PERMANENT.test(reason) && !earlier && !/pending/.test(reason) ? this.fail(record, reason) : this.retry(record, reason);
  }

  /** Records a settlement found on chain (a chain fact: whoever else looks at the payment meanwhile). */
  async foundOnChain(record: PaymentRecord, transaction: string, how: string): Promise<'settled'> {
    await this.store.markSettled(record.id, transaction);
    this.events().emit({ type: 'settled', ...paymentFacts(record), transaction, reconciled: true });
    this.logger.log(`payment ${record.id} was settled on chain (${how})`);
    return 'settled';
  }

  async retry(record: PaymentRecord, reason: string): Promise<OutboxOutcome> {
    const { maxAttempts, retryBaseMs } = this.config.settlement.deferred;
    if (record.attempts >= maxAttempts + 1) return this.fail(record, reason);
    const delay = Math.min(retryBaseMs * 2 ** Math.max(0, record.attempts - 2), 60_000);
    await this.store.requeue(record.id, reason, new Date(Date.now() + delay));
    this.logger.warn(`payment ${record.id}: settlement attempt failed (${reason}); retrying in ${delay} ms`);
    return 'requeued';
  }

  async fail(record: PaymentRecord, reason: string): Promise<OutboxOutcome> {
    await this.store.markFailed(record.id, reason);
    this.events().emit({ type: 'failed', stage: 'settle', reason, ...paymentFacts(record) });
    this.logger.error(`payment ${record.id} could not be settled: ${reason}`);
    return 'failed';
  }
}
