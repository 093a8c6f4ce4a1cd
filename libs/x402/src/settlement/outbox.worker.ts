import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { X402Config } from '../config/x402.config.js';
import { PAYMENT_STORE, type SettlementOutbox } from '../ledger/payment-store.interface.js';
import { PollingLoop } from '../x402.polling-loop.js';
import { X402_CONFIG } from '../x402.tokens.js';
import { X402SettlementService } from './settlement.service.js';

/** Outbox batches settling at once. */
const BATCHES_IN_FLIGHT = 2;

/**
 * Settles deferred payments in the background and reconciles interrupted settlements. Several
 * instances share the work: each batch is taken with `FOR UPDATE SKIP LOCKED` and held while it is
 * worked on. On shutdown it finishes the batch in hand.
 */
@Injectable()
export class X402OutboxWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('X402');
  private readonly polling: PollingLoop;
  private reconciledAt = 0;

  constructor(
    @Inject(PAYMENT_STORE) private readonly store: SettlementOutbox,
    @Inject(X402_CONFIG) private readonly config: X402Config,
    private readonly settlement: X402SettlementService,
  ) {
    // After settling something, the payments queued next gather for the batch window (a notify does not cut it
    // short) and go out in one transaction: woken for each, the outbox settled deferred payments one or two at a time.
    const { pollIntervalMs, batchWindowMs } = config.settlement.deferred;
    this.polling = new PollingLoop(() => this.poll(), pollIntervalMs, (error) => this.logger.warn(`outbox poll failed: ${error.message}`), batchWindowMs);
  }

  onApplicationBootstrap(): void {
    if (this.config.settlement.deferred.worker) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    this.polling.start();
  }

  /** Stops polling and waits for the batch in hand. */
  stop(): Promise<void> {
    return this.polling.stop();
  }

  /** Nudges the worker to poll now (a payment was just queued). */
  notify(): void {
    this.polling.notify();
  }

  /**
   * Works off everything due now; returns how many payments were taken. Used by the loop and by tests. Up to
   * {@link BATCHES_IN_FLIGHT} batches at once: the next is taken while one settles (a local facilitator prepares
   * it while the first is sent and confirmed), so the outbox keeps up with deferred traffic instead of letting a
   * backlog grow (one batch at a time settled ~80 payments/s on the benchmark, fewer than were served).
   */
  async drain(): Promise<number> {
    let total = 0;
    const inFlight = new Set<Promise<unknown>>();
    for (;;) {
      const batch = await this.store.takeDue(this.config.settlement.deferred.batchSize, this.config.settlement.holdMs);
      if (batch.length === 0) break;
      total += batch.length;
      const settling: Promise<unknown> = this.settlement
        .settleTakenBatch(batch)
        .catch((error: Error) => this.logger.error(`outbox: ${error.message}`))
        .finally(() => inFlight.delete(settling));
      inFlight.add(settling);
      if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return total;
  }

  /** Settles, from the chain, held payments whose money moved (see {@link HeldPayments}). */
  async reconcileHeld(): Promise<number> {
    this.reconciledAt = Date.now();
    const settled = await this.settlement.held.reconcile();
    if (settled > 0) this.logger.log(`outbox: ${settled} held payment(s) found settled on chain`);
    return settled;
  }

  /** One poll: held payments looked up on chain at once after a start (what a crashed instance held), then every `reconcileIntervalMs`; then what is due. */
  private async poll(): Promise<number> {
    const every = this.config.settlement.reconcileIntervalMs;
    if (every > 0 && Date.now() - this.reconciledAt >= every) await this.reconcileHeld().catch((error: Error) => this.logger.warn(`outbox reconciliation failed: ${error.message}`));
    return this.drain();
  }
}
