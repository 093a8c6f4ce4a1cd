import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import type { X402Config } from '../config/x402.config.js';
import { outageEvent } from '../events/outage-event.js';
import { paymentFacts } from '../events/payment-facts.js';
import { X402Events } from '../events/x402.events.js';
import { facilitatorFailure } from '../facilitator/facilitator-errors.js';
import { PAYMENT_STORE, type DeferredCaps, type PaymentRecord, type PaymentStore, type SettlementMode } from '../ledger/payment-store.interface.js';
import { parseUsdAmount } from '../pricing/price.js';
import type { RoutePlan } from '../pricing/route-plan.types.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { X402_CONFIG, X402_FACILITATOR } from '../x402.tokens.js';
import { preparesWhileRecorded, runsInProcess, settlesInBatches, type BatchSettlingFacilitator } from '../facilitator/facilitator-capabilities.js';
import { NotRecordedError, settleOnceRecorded, wasRecorded } from '../facilitator/recorded-gate.js';
import { ChainReader } from './chain-reader.js';
import { HeldPayments } from './held-payments.js';
import { NONCE_SPENT, paymentOnChain, PERMANENT, validityPassed } from './payment-on-chain.js';
import { reasonCode } from '../facilitator/failure-reason.js';
import { X402ErrorCode, X402HttpException } from '../x402.errors.js';
import { payerCodes } from '../facilitator/payer-code-cache.js';
import { checkSettleAnswer, expectedSettlement } from './settle-answer.js';
import { markBatchSettled } from './batch-settled.js';

/** What became of a payment the outbox took (`held`: its outcome is still open, looked at again after the hold). */
export type OutboxOutcome = 'settled' | 'requeued' | 'failed' | 'held';

/**
 * Moves money: settles through the facilitator, decides each request's settlement mode (deferred
 * only within the exposure caps and the authorization's lifetime), and works off outbox entries,
 * reconciling interrupted settlements with the chain so that none is settled twice or lost.
 */
@Injectable()
export class X402SettlementService {
  private readonly logger = new Logger('X402');
  readonly chain: ChainReader;
  /** Payments held with an open outcome, looked up on chain for a retry or after a crash. */
  readonly held: HeldPayments;

  constructor(
    private readonly host: X402ResourceServerHost,
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_FACILITATOR) private readonly facilitator: FacilitatorClient,
  ) {
    this.chain = new ChainReader(config.settlement.rpcUrls);
    this.held = new HeldPayments(this.chain, store, (record, transaction) => this.foundOnChain(record, transaction, 'reconciled'));
  }

  /** Where outbox outcomes are published (property-injected, so subclasses keep their constructors). */
  @Inject(X402Events) protected readonly events: X402Events;

  /**
   * Settles through the facilitator. Throws what the facilitator client threw, and a 502 (an open outcome:
   * held, reconciled from the chain) when a `success: true` does not fit the payment or, where the chain is
   * readable, its transaction does not show the transfer (see {@link checkedSettlement}).
   */
  async settle(payload: PaymentPayload, requirements: PaymentRequirements, overrides?: { amount: string }): Promise<SettleResponse> {
    const server = await this.host.ready();
    // `overrides.amount`: what a usage-priced (`upto`) payment settles, at most the authorized maximum.
    const result = overrides ? await server.settlePayment(payload, requirements, undefined, undefined, overrides) : await server.settlePayment(payload, requirements);
    return this.checkedSettlement(result, payload, requirements, overrides);
  }

  /**
   * Settles a payment the ledger is recording as settling (`held`: that write; true once it went through, false if
   * another request holds the payment). A facilitator that can (the local one, see {@link preparesWhileRecorded})
   * prepares the transaction meanwhile and sends it once the write went through; any other is called after it.
   * Rejects with {@link NotRecordedError} when the write did not go through: nothing was sent.
   */
  async settleRecorded(payload: PaymentPayload, requirements: PaymentRequirements, held: Promise<boolean>, overrides?: { amount: string }): Promise<SettleResponse> {
    if (preparesWhileRecorded(this.facilitator)) return settleOnceRecorded(held, () => this.settle(payload, requirements, overrides));
    if (!(await wasRecorded(held))) throw new NotRecordedError();
    return this.settle(payload, requirements, overrides);
  }

  /** See {@link checkSettleAnswer} (protected: a subclass may check more). */
  protected async checkedSettlement(result: SettleResponse, payload: PaymentPayload, requirements: PaymentRequirements, overrides?: { amount: string }): Promise<SettleResponse> {
    if (!result.success) return result; // a refusal says nothing to check
    return checkSettleAnswer(result, expectedSettlement(payload, requirements, overrides), { chain: this.chain, readsChain: !runsInProcess(this.facilitator), logger: this.logger });
  }

  /**
   * The mode a request asks for: the route's (or the module's). `deferred` falls back to `authorization`
   * when the authorization expires too soon to be settled later, or when the payer is a contract (code at
   * its address, an EIP-7702 delegation included) or cannot be checked: a contract's signature check can
   * answer one way in a simulation and another on chain. The exposure caps are applied by the claim
   * (see {@link deferredCaps}), atomically.
   */
  async modeFor(plan: RoutePlan, requirements: PaymentRequirements, payer: string, validBefore: string): Promise<SettlementMode> {
    const mode = plan.settlement ?? this.config.settlement.mode;
    if (mode !== 'deferred') return mode;
    if (Number(validBefore) - Date.now() / 1000 < this.config.settlement.deferred.marginSeconds + 10) return 'authorization';
    if (!this.chain.covers(requirements.network)) return 'authorization';
    const endpoint = this.config.settlement.rpcUrls[requirements.network];
    // shared with the local facilitator's verify: a new payer's code is read once
    const contract = await payerCodes.hasCode(endpoint, payer, () => this.chain.hasCode(requirements.network, payer)).catch(() => true); // unknown: settle first
    return contract ? 'authorization' : 'deferred';
  }

  /** The exposure caps a deferred claim must fit, in atomic units of an asset with `decimals`. */
  deferredCaps(decimals: number): DeferredCaps {
    const { deferred } = this.config.settlement;
    return { perPayer: parseUsdAmount(deferred.maxUnsettledPerPayer, decimals).toString(), total: parseUsdAmount(deferred.maxUnsettledTotal, decimals).toString() };
  }

  /** The time by which a deferred payment must be settled: its validBefore less the safety margin. */
  settleBy(validBefore: string): Date {
    return new Date((Number(validBefore) - this.config.settlement.deferred.marginSeconds) * 1000);
  }

  /** Works off one payment the outbox took: reconcile if it may have landed, else (deferred) submit it. */
  async settleTaken(record: PaymentRecord): Promise<OutboxOutcome> {
    const pending = record.settlement as { payload: PaymentPayload; requirements: PaymentRequirements } | undefined;
    if (!pending) return this.fail(record, 'settlement_data_missing');
    const mayHaveLanded = record.previousState === 'settling' || record.attempts > 2;
    if (mayHaveLanded) {
      // Not submitted again: the client was not served (authorization, upfront), or it is too late to (deferred).
      const noResubmit = record.mode !== 'deferred' || this.pastDeadline(record);
      // Whether the authorization can still land, read before its nonce: once the chain's time is past
      // validBefore, a nonce found unused stays unused.
      const expired = noResubmit ? await validityPassed(this.chain, record, pending).catch(() => undefined) : false;
      const known = await paymentOnChain(this.chain, record).catch(() => {
        this.events.emit({ type: 'rpc_error', operation: 'reconcile', network: record.network, route: record.route });
        return undefined;
      });
      if (known?.used && known.paid === false) {
        // The nonce was consumed without paying payTo (cancelAuthorization, or another authorization with
        // this nonce): this payment can never land.
        return this.fail(record, 'authorization_used_without_payment');
      }
      if (known?.used && known.paid === undefined && record.scheme !== 'upto') {
        // used, but the transaction that used it was not found: settled only with the Transfer to payTo seen
        return noResubmit ? this.hold(record, 'settlement_unverified') : this.retry(record, 'settlement_unverified');
      }
      if (known?.used) {
        return this.foundOnChain(record, known.transaction ?? '', 'reconciled');
      }
      if (known === undefined && this.chain.covers(record.network)) {
        return noResubmit ? this.hold(record, 'chain_unreachable') : this.retry(record, 'chain_unreachable');
      }
      if (noResubmit) {
        // An interrupted settlement that did not land (yet) is failed only once it no longer can.
        if (expired !== true) return this.hold(record, 'settlement_unconfirmed');
        return this.fail(record, record.mode === 'deferred' ? 'settlement_deadline_passed' : 'settlement_interrupted');
      }
    }
    if (this.pastDeadline(record)) return this.fail(record, 'settlement_deadline_passed');
    try {
      const started = Date.now();
      const result = await this.settle(pending.payload, pending.requirements);
      return await this.recordAttempt(record, result, Date.now() - started);
    } catch (error) {
      return this.recordError(record, error);
    }
  }

  /**
   * Works off a batch the outbox took. With a facilitator that settles in batches (the local one), the payments that only need
   * submitting go out together in one Multicall3 transaction; the others (to reconcile, past their
   * deadline) and any other facilitator are handled one by one.
   */
  async settleTakenBatch(records: PaymentRecord[]): Promise<OutboxOutcome[]> {
    const batchable = (r: PaymentRecord) => r.settlement !== undefined && r.previousState !== 'settling' && r.attempts <= 2 && !this.pastDeadline(r);
    const facilitator = this.facilitator;
    const together = settlesInBatches(facilitator) ? records.filter(batchable) : [];
    const alone = records.filter((r) => !together.includes(r));
    const outcomes = new Map<PaymentRecord, Promise<OutboxOutcome>>(alone.map((r) => [r, this.settleTaken(r)]));
    if (together.length > 0) {
      const batch = (async () => {
        try {
          const started = Date.now();
          const results = await (facilitator as BatchSettlingFacilitator).settleBatch(
            together.map((r) => r.settlement as { payload: PaymentPayload; requirements: PaymentRequirements }),
          );
          const latencyMs = Date.now() - started;
          const settledBy = await markBatchSettled(this.store, together, results);
          return Promise.all(together.map((r, i) => this.recordAttempt(r, results[i], latencyMs, settledBy.has(r))));
        } catch (error) {
          return Promise.all(together.map((r) => this.recordError(r, error)));
        }
      })();
      together.forEach((r, i) => outcomes.set(r, batch.then((all) => all[i])));
    }
    return Promise.all(records.map((r) => outcomes.get(r)!));
  }

  /** Leaves a payment held (`settling`, locked until the hold the outbox took ends): looked at again then. */
  private hold(record: PaymentRecord, reason: string): OutboxOutcome {
    this.logger.warn(`payment ${record.id}: settlement outcome still open (${reason}); looking again later`);
    return 'held';
  }

  private pastDeadline(record: PaymentRecord): boolean {
    return record.settleBy !== undefined && Date.now() > record.settleBy.getTime();
  }

  /** `recorded`: a success already written (with its batch). */
  private async recordAttempt(record: PaymentRecord, result: SettleResponse, latencyMs?: number, recorded = false): Promise<OutboxOutcome> {
    if (result.success) {
      if (!recorded) await this.store.markSettled(record.id, result.transaction);
      this.events.emit({ type: 'settled', ...paymentFacts(record), transaction: result.transaction, latencyMs });
      return 'settled';
    }
    const reason = reasonCode(result.errorReason, 'settlement_failed'); // a code only, never a facilitator's free text
    if (NONCE_SPENT.test(reason)) return this.settleFromChain(record, reason);
    return PERMANENT.test(reason) ? this.fail(record, reason) : this.retry(record, reason);
  }

  private recordError(record: PaymentRecord, error: unknown): Promise<OutboxOutcome> {
    const failure = facilitatorFailure(error, 'settle');
    const outage = outageEvent(error, failure, 'settle', { route: record.route, network: record.network });
    if (outage) this.events.emit(outage);
    if (NONCE_SPENT.test(failure.code)) return this.settleFromChain(record, failure.code);
    return failure.getStatus() === 402 && PERMANENT.test(failure.code) ? this.fail(record, failure.code) : this.retry(record, failure.code);
  }

  /**
   * A refusal that an earlier attempt of the same payment can cause (its nonce used, the transaction
   * reverted, a settlement still pending): the chain decides. Settled when the earlier attempt's Transfer
   * to payTo is found; failed when the nonce went another way; held while that cannot be read; only a
   * nonce still unused leaves the refusal as it is.
   */
  private async settleFromChain(record: PaymentRecord, reason: string): Promise<OutboxOutcome> {
    if (!this.chain.covers(record.network)) return this.hold(record, reason); // cannot tell: looked at again after the hold
    const known = await paymentOnChain(this.chain, record).catch(() => undefined);
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
  private async foundOnChain(record: PaymentRecord, transaction: string, how: string): Promise<'settled'> {
    await this.store.markSettled(record.id, transaction);
    this.events.emit({ type: 'settled', ...paymentFacts(record), transaction, reconciled: true });
    this.logger.log(`payment ${record.id} was settled on chain (${how})`);
    return 'settled';
  }

  private async retry(record: PaymentRecord, reason: string): Promise<OutboxOutcome> {
    const { maxAttempts, retryBaseMs } = this.config.settlement.deferred;
    if (record.attempts >= maxAttempts + 1) return this.fail(record, reason);
    const delay = Math.min(retryBaseMs * 2 ** Math.max(0, record.attempts - 2), 60_000);
    await this.store.requeue(record.id, reason, new Date(Date.now() + delay));
    this.logger.warn(`payment ${record.id}: settlement attempt failed (${reason}); retrying in ${delay} ms`);
    return 'requeued';
  }

  private async fail(record: PaymentRecord, reason: string): Promise<OutboxOutcome> {
    await this.store.markFailed(record.id, reason);
    this.events.emit({ type: 'failed', stage: 'settle', reason, ...paymentFacts(record) });
    this.logger.error(`payment ${record.id} could not be settled: ${reason}`);
    return 'failed';
  }
}
