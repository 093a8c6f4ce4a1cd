import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import type { X402Config } from '../config/x402.config.js';
import { X402Events } from '../events/x402.events.js';
import { PAYMENT_STORE, type DeferredCaps, type PaymentRecord, type PaymentStore, type SettlementMode } from '../ledger/payment-store.interface.js';
import { parseUsdAmount } from '../pricing/price.js';
import type { RoutePlan } from '../pricing/route-plan.types.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { X402_CONFIG, X402_FACILITATOR } from '../x402.tokens.js';
import { preparesWhileRecorded, runsInProcess, settlesInBatches, type BatchSettlingFacilitator } from '../facilitator/facilitator-capabilities.js';
import { NotRecordedError, settleOnceRecorded, wasRecorded } from '../facilitator/recorded-gate.js';
import { ChainReader } from './chain-reader.js';
import { HeldPayments } from './held-payments.js';
import { OutboxOutcomes, pastDeadline, type OutboxOutcome } from './outbox-outcomes.js';
import { paymentOnChain, validityPassed } from './payment-on-chain.js';
import { payerCodes } from '../facilitator/payer-code-cache.js';
import { checkSettleAnswer, expectedSettlement } from './settle-answer.js';
import { markBatchSettled } from './batch-settled.js';

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
  /** What became of each payment the outbox worked on, written, published and logged. */
  private readonly outcomes: OutboxOutcomes;

  constructor(
    private readonly host: X402ResourceServerHost,
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    @Inject(X402_FACILITATOR) private readonly facilitator: FacilitatorClient,
  ) {
    this.chain = new ChainReader(config.settlement.rpcUrls);
    this.outcomes = new OutboxOutcomes(store, () => this.chain, config, () => this.events, this.logger);
    this.held = new HeldPayments(this.chain, store, (record, transaction) => this.outcomes.foundOnChain(record, transaction, 'reconciled'));
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
    if (!pending) return this.outcomes.fail(record, 'settlement_data_missing');
    const mayHaveLanded = record.previousState === 'settling' || record.attempts > 2;
    if (mayHaveLanded) {
      // Not submitted again: the client was not served (authorization, upfront), or it is too late to (deferred).
      const noResubmit = record.mode !== 'deferred' || pastDeadline(record);
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
        return this.outcomes.fail(record, 'authorization_used_without_payment');
      }
      if (known?.used && known.paid === undefined && record.scheme !== 'upto') {
        // used, but the transaction that used it was not found: settled only with the Transfer to payTo seen
        return noResubmit ? this.outcomes.hold(record, 'settlement_unverified') : this.outcomes.retry(record, 'settlement_unverified');
      }
      if (known?.used) {
        return this.outcomes.foundOnChain(record, known.transaction ?? '', 'reconciled');
      }
      if (known === undefined && this.chain.covers(record.network)) {
        return noResubmit ? this.outcomes.hold(record, 'chain_unreachable') : this.outcomes.retry(record, 'chain_unreachable');
      }
      if (noResubmit) {
        // An interrupted settlement that did not land (yet) is failed only once it no longer can.
        if (expired !== true) return this.outcomes.hold(record, 'settlement_unconfirmed');
        return this.outcomes.fail(record, record.mode === 'deferred' ? 'settlement_deadline_passed' : 'settlement_interrupted');
      }
    }
    if (pastDeadline(record)) return this.outcomes.fail(record, 'settlement_deadline_passed');
    try {
      const started = Date.now();
      const result = await this.settle(pending.payload, pending.requirements);
      return await this.outcomes.recordAttempt(record, result, Date.now() - started);
    } catch (error) {
      return this.outcomes.recordError(record, error);
    }
  }

  /**
   * Works off a batch the outbox took. With a facilitator that settles in batches (the local one), the payments that only need
   * submitting go out together in one Multicall3 transaction; the others (to reconcile, past their
   * deadline) and any other facilitator are handled one by one.
   */
  async settleTakenBatch(records: PaymentRecord[]): Promise<OutboxOutcome[]> {
    const batchable = (r: PaymentRecord) => r.settlement !== undefined && r.previousState !== 'settling' && r.attempts <= 2 && !pastDeadline(r);
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
          return Promise.all(together.map((r, i) => this.outcomes.recordAttempt(r, results[i], latencyMs, settledBy.has(r))));
        } catch (error) {
          return Promise.all(together.map((r) => this.outcomes.recordError(r, error)));
        }
      })();
      together.forEach((r, i) => outcomes.set(r, batch.then((all) => all[i])));
    }
    return Promise.all(records.map((r) => outcomes.get(r)!));
  }
}
