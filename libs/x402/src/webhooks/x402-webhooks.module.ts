import { Logger, Module } from '@nestjs/common';
import { InMemoryWebhookStore } from './in-memory-webhook.store.js';
import { X402_WEBHOOK_STORE } from './webhook-store.interface.js';
import { X402WebhookEndpoints } from './x402-webhook.endpoints.js';
import { X402WebhookRecorder } from './x402-webhook.recorder.js';
import { X402WebhookWorker } from './x402-webhook.worker.js';
import { X402_WEBHOOKS_CONFIG, X402_WEBHOOKS_MODULE_OPTIONS, X402WebhooksConfigurableModule } from './x402-webhooks.module-definition.js';
import { resolveWebhooksConfig, type X402WebhooksOptions } from './x402-webhooks.options.js';
import { X402WebhooksService } from './x402-webhooks.service.js';

/**
 * Tells merchants about money by webhook: `payment.settled`, `payment.proof_confirmed`,
 * `payment.pending` and `payment.failed` are POSTed to each endpoint, signed (`X402-Signature`,
 * check it with `verifyX402Webhook`), at least once, retried with backoff for 24 hours.
 * Opt-in; needs `X402Module` (it listens to `X402Events`).
 *
 * @example
 * X402WebhooksModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({
 *     endpoints: [{ url: 'https://shop.example/x402-webhooks', secret: process.env.X402_WEBHOOK_SECRET! }],
 *     store: new TypeOrmWebhookStore(dataSource), // durable, shared by instances
 *   }),
 * })
 */
@Module({
  providers: [
    { provide: X402_WEBHOOKS_CONFIG, useFactory: (options: X402WebhooksOptions) => resolveWebhooksConfig(options), inject: [X402_WEBHOOKS_MODULE_OPTIONS] },
    {
      provide: X402_WEBHOOK_STORE,
      useFactory: (options: X402WebhooksOptions) => {
        if (options.store) return options.store;
        if (options.endpoints?.length) new Logger('X402Webhooks').warn('webhook deliveries are kept in memory: pass store: new TypeOrmWebhookStore(dataSource) to keep them across restarts');
        return new InMemoryWebhookStore();
      },
      inject: [X402_WEBHOOKS_MODULE_OPTIONS],
    },
    X402WebhookEndpoints,
    X402WebhookWorker,
    X402WebhookRecorder,
    X402WebhooksService,
  ],
  exports: [X402WebhooksService, X402WebhookEndpoints, X402WebhookWorker, X402WebhookRecorder, X402_WEBHOOK_STORE, X402_WEBHOOKS_CONFIG],
})
export class X402WebhooksModule extends X402WebhooksConfigurableModule {}
