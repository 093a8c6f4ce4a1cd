import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { X402Event } from '../events/x402-event.types.js';
import { X402Events } from '../events/x402.events.js';
import { PAYMENT_STORE, type PaymentStore } from '../ledger/payment-store.interface.js';
import { TX_HASH_SCHEME } from '../proofs/tx-hash-scheme.js';
import { X402SettlementService } from '../settlement/settlement.service.js';
import { toWebhookEvent, type X402WebhookEvent, type X402WebhookEventContext } from './webhook-event.js';
import { X402_WEBHOOK_STORE, type X402WebhookStore } from './webhook-store.interface.js';
import { X402WebhookEndpoints } from './x402-webhook.endpoints.js';
import { X402WebhookWorker } from './x402-webhook.worker.js';
import { X402_WEBHOOKS_CONFIG } from './x402-webhooks.module-definition.js';
import type { X402WebhooksConfig } from './x402-webhooks.options.js';

/** Waits between the attempts to record an event when the store fails. */
const RECORD_RETRIES_MS = [100, 1000, 5000];

/**
 * Listens to {@link X402Events} and records a delivery per endpoint for each payment event merchants
 * hear about (see `toWebhookEvent`). Recording is durable once the store has it; the worker sends it.
 */
@Injectable()
export class X402WebhookRecorder implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('X402Webhooks');
  private readonly inFlight = new Set<Promise<void>>();
  private unsubscribe?: () => void;

  constructor(
    private readonly events: X402Events,
    @Inject(X402_WEBHOOK_STORE) private readonly store: X402WebhookStore,
    @Inject(X402_WEBHOOKS_CONFIG) private readonly config: X402WebhooksConfig,
    private readonly worker: X402WebhookWorker,
    private readonly endpoints: X402WebhookEndpoints,
    @Optional() @Inject(PAYMENT_STORE) private readonly payments?: PaymentStore,
    @Optional() private readonly settlement?: X402SettlementService,
  ) {}

  onModuleInit(): void {
    if (!this.endpoints.any) return;
    this.unsubscribe = this.events.on((event) => {
      if (event.type !== 'settled' && !(event.type === 'failed' && event.stage === 'settle')) return;
      const recording = this.record(event).finally(() => this.inFlight.delete(recording));
      this.inFlight.add(recording);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Events being written when the app stops are written before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Waits until the events published so far are recorded (tests). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Records the deliveries of one event (retrying when the store fails); never throws. */
  protected async record(event: X402Event): Promise<void> {
    // no endpoint (the usual case with editable endpoints nobody added): no ledger read for the event's context
    let endpoints = await this.endpoints.all().catch(() => undefined);
    if (endpoints?.length === 0) return;
    let found: X402WebhookEvent | undefined;
    try {
      found = toWebhookEvent(event, await this.context(event));
    } catch (error) {
      this.logger.error(`could not read the webhook of a ${event.type} event: ${(error as Error).message}`);
      return;
    }
    if (!found) return;
    const webhook = found;
    const body = JSON.stringify(webhook);
    const retryUntil = new Date(Date.now() + this.config.retry.giveUpAfterMs);
    for (let attempt = 0; ; attempt++) {
      try {
        endpoints ??= await this.endpoints.all();
        const deliveries = endpoints
          .filter((endpoint) => endpoint.events.has(webhook.type))
          .map((endpoint) => ({ eventId: webhook.id, eventType: webhook.type, endpointId: endpoint.id, receiptId: webhook.data.receiptId, body, retryUntil }));
        if (deliveries.length === 0) return;
        await this.store.enqueue(deliveries);
        this.worker.notify();
        return;
      } catch (error) {
        endpoints = undefined; // read again on the next attempt
        if (attempt >= RECORD_RETRIES_MS.length) {
          this.logger.error(`could not record webhook ${webhook.type} ${webhook.id} (receipt ${webhook.data.receiptId}): ${(error as Error).message}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRIES_MS[attempt]));
      }
    }
  }

  /**
   * What the event alone does not say: whether a settlement was a transaction-hash proof (from the
   * ledger), and whether a failed settlement is in fact uncertain. The interceptor keeps a settlement
   * that failed with an outage (not a 402 refusal) on hold to be reconciled from the chain when the
   * chain of its network is readable; such a payment is pending, not failed.
   */
  protected async context(event: X402Event): Promise<X402WebhookEventContext> {
    if (event.type === 'settled') {
      const record = await this.payments?.findById(event.receiptId).catch(() => undefined);
      return { proof: record?.scheme === TX_HASH_SCHEME };
    }
    if (event.type === 'failed' && event.stage === 'settle' && event.status !== undefined && event.status !== 402 && event.network) {
      return { uncertain: this.settlement?.chain.covers(event.network) ?? false };
    }
    return {};
  }
}
