import { Inject, Injectable } from '@nestjs/common';
import { X402HttpException } from '../x402.errors.js';
import { X402_WEBHOOK_STORE, type X402WebhookDelivery, type X402WebhookListQuery, type X402WebhookStore } from './webhook-store.interface.js';
import { X402WebhookEndpoints, type X402WebhookEndpointInfo } from './x402-webhook.endpoints.js';
import { X402WebhookWorker } from './x402-webhook.worker.js';
import { X402_WEBHOOKS_CONFIG } from './x402-webhooks.module-definition.js';
import type { X402WebhookEndpoint, X402WebhooksConfig } from './x402-webhooks.options.js';

/**
 * Operating webhooks: list deliveries, send one again. Put it behind your admin authentication.
 *
 * @example
 * @Controller('admin/webhooks') @UseGuards(AdminGuard)
 * export class WebhooksAdminController {
 *   constructor(private readonly webhooks: X402WebhooksService) {}
 *   @Get() list(@Query('state') state?: X402WebhookDeliveryState) { return this.webhooks.list({ state, limit: 100 }); }
 *   @Post(':id/redeliver') redeliver(@Param('id') id: string) { return this.webhooks.redeliver(id); }
 * }
 */
@Injectable()
export class X402WebhooksService {
  constructor(
    @Inject(X402_WEBHOOK_STORE) private readonly store: X402WebhookStore,
    @Inject(X402_WEBHOOKS_CONFIG) private readonly config: X402WebhooksConfig,
    private readonly worker: X402WebhookWorker,
    private readonly registry: X402WebhookEndpoints,
  ) {}

  /** Deliveries, newest first, optionally in one state (default 50, at most 500). */
  list(query: X402WebhookListQuery = {}): Promise<X402WebhookDelivery[]> {
    return this.store.list(query);
  }

  /** One delivery, or undefined. */
  get(id: string): Promise<X402WebhookDelivery | undefined> {
    return this.store.findById(id);
  }

  /**
   * Deletes delivered and failed deliveries last changed before `before` (the table keeps them until then,
   * for the admin list and redelivery); returns how many. Call it from a scheduled job.
   *
   * @example
   * await webhooks.purge(new Date(Date.now() - 30 * 86_400_000)); // keep 30 days
   */
  purge(before: Date): Promise<number> {
    return this.store.purge(before);
  }

  /** The endpoints, configured and added at run time (ids, URLs without query, events; never secrets). */
  endpoints(): Promise<X402WebhookEndpointInfo[]> {
    return this.registry.list();
  }

  /**
   * Adds an endpoint at run time (kept in the store: with `TypeOrmWebhookStore`, in the database, seen by
   * every instance within `endpointsRefreshMs`). Without `secret`, one is generated. The answer holds the
   * secret: the only time it is shown. 400 `invalid_webhook_endpoint`, 409 `webhook_endpoint_exists`.
   */
  addEndpoint(endpoint: Partial<X402WebhookEndpoint>): Promise<X402WebhookEndpointInfo & { secret: string }> {
    return this.registry.add(endpoint);
  }

  /**
   * Removes an endpoint added at run time: it gets no new events; its deliveries not yet sent are not sent
   * (retried until their window closes, in case another instance still knows it, then `failed`).
   * 404 `webhook_endpoint_not_found`; 409 `webhook_endpoint_configured` for an endpoint of the module options.
   */
  removeEndpoint(id: string): Promise<void> {
    return this.registry.remove(id);
  }

  /**
   * Sends a delivery again (delivered, failed or waiting): it becomes due now, with the same event id
   * and body, retried for another `retry.giveUpAfterMs`. 404 `webhook_delivery_not_found`;
   * 409 `webhook_delivery_in_progress` while a worker is sending it.
   */
  async redeliver(id: string): Promise<X402WebhookDelivery> {
    const delivery = await this.store.redeliver(id, new Date(Date.now() + this.config.retry.giveUpAfterMs));
    if (delivery) {
      this.worker.notify();
      return delivery;
    }
    if (await this.store.findById(id)) throw new X402HttpException(409, 'webhook_delivery_in_progress', 'this delivery is being sent right now; try again when the attempt ends');
    throw new X402HttpException(404, 'webhook_delivery_not_found', 'no webhook delivery has this id');
  }
}
