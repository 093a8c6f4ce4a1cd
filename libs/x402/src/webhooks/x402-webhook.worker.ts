import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PollingLoop } from '../x402.polling-loop.js';
import { nextWebhookAttempt } from './webhook-backoff.js';
import { signX402Webhook, X402_SIGNATURE_HEADER } from './webhook-signature.js';
import { X402_WEBHOOK_STORE, type X402WebhookAttemptResult, type X402WebhookDelivery, type X402WebhookStore } from './webhook-store.interface.js';
import { X402WebhookEndpoints } from './x402-webhook.endpoints.js';
import { X402_WEBHOOKS_CONFIG } from './x402-webhooks.module-definition.js';
import type { X402ResolvedWebhookEndpoint, X402WebhooksConfig } from './x402-webhooks.options.js';

/** Why a request failed, without the URL (it may carry a token) or anything the endpoint sent. */
function describeError(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return (e?.cause?.code ?? e?.cause?.name ?? e?.name ?? 'network_error').slice(0, 100);
}

/**
 * Sends recorded deliveries: takes the due ones from the store (held for `leaseMs`, so other
 * instances' workers skip them), POSTs each signed body to its endpoint, and records the outcome.
 * A 2xx answer delivers it; anything else (another status, a timeout, a refused connection) is retried
 * with exponential backoff and jitter until its retry window closes, then it is `failed`.
 * Delivery is at least once: a receiver de-duplicates on the event id.
 */
@Injectable()
export class X402WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('X402Webhooks');
  private readonly polling: PollingLoop;

  constructor(
    @Inject(X402_WEBHOOK_STORE) private readonly store: X402WebhookStore,
    @Inject(X402_WEBHOOKS_CONFIG) private readonly config: X402WebhooksConfig,
    private readonly endpoints: X402WebhookEndpoints,
  ) {
    this.polling = new PollingLoop(() => this.drain(), config.pollIntervalMs, (error) => this.logger.warn(`webhook poll failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    // Without endpoints (none configured, none can be added) this instance could send nothing: it does not poll.
    if (this.config.worker && this.endpoints.any) this.start();
  }

  /** Before the database closes: finish the deliveries in hand, take no more. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts polling (done at bootstrap unless `worker: false`). */
  start(): void {
    this.polling.start();
  }

  /** Stops polling and waits for the deliveries in hand. */
  stop(): Promise<void> {
    return this.polling.stop();
  }

  /** Nudges the worker to poll now (an event was just recorded). */
  notify(): void {
    this.polling.notify();
  }

  /** Sends everything due now; returns how many attempts were made. Used by the loop and by tests. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.store.takeDue(this.config.batchSize, this.config.leaseMs);
      if (batch.length === 0) return total;
      total += batch.length;
      await Promise.all(batch.map((delivery) => this.deliver(delivery)));
    }
  }

  /** One attempt at one delivery, recorded in the store. Never throws. */
  protected async deliver(delivery: X402WebhookDelivery): Promise<void> {
    let result: X402WebhookAttemptResult;
    let endpoint: X402ResolvedWebhookEndpoint | undefined;
    try {
      endpoint = await this.endpoints.get(delivery.endpointId);
    } catch (error) {
      this.logger.warn(`could not read the webhook endpoints: ${(error as Error).message}`);
    }
    if (!endpoint) {
      // Recorded for an endpoint this instance does not know (removed, or configured elsewhere): retried, maybe another instance has it.
      result = this.failure(delivery, 'endpoint_not_configured');
    } else {
      result = await this.post(endpoint, delivery);
    }
    try {
      const recorded = await this.store.finish(delivery.id, delivery.attempts, result);
      if (!recorded) this.logger.warn(`webhook delivery ${delivery.id} was taken again before its attempt ended (hold of ${this.config.leaseMs} ms passed)`);
    } catch (error) {
      this.logger.error(`could not record the attempt of webhook delivery ${delivery.id}: ${(error as Error).message}`);
    }
    if (result.state === 'failed') {
      this.logger.error(`webhook ${delivery.eventType} ${delivery.eventId} to ${delivery.endpointId} failed for good after ${delivery.attempts} attempts (${result.error})`);
    } else if (result.state === 'pending') {
      this.logger.warn(`webhook ${delivery.eventType} ${delivery.eventId} to ${delivery.endpointId}: attempt ${delivery.attempts} failed (${result.error}); next at ${result.nextAttemptAt?.toISOString()}`);
    }
  }

  private async post(endpoint: X402ResolvedWebhookEndpoint, delivery: X402WebhookDelivery): Promise<X402WebhookAttemptResult> {
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'nestjs-x402-webhooks',
          [X402_SIGNATURE_HEADER]: signX402Webhook(delivery.body, endpoint.secret),
          'x402-event-id': delivery.eventId,
          'x402-event-type': delivery.eventType,
          'x402-delivery-id': delivery.id,
          'x402-delivery-attempt': String(delivery.attempts),
        },
        body: delivery.body,
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { state: 'delivered', status: response.status };
      return this.failure(delivery, `http_${response.status}`, response.status);
    } catch (error) {
      return this.failure(delivery, describeError(error));
    }
  }

  private failure(delivery: X402WebhookDelivery, error: string, status?: number): X402WebhookAttemptResult {
    const next = nextWebhookAttempt(delivery.attempts, delivery.retryUntil, this.config.retry);
    return next ? { state: 'pending', nextAttemptAt: next, status, error } : { state: 'failed', status, error };
  }
}
