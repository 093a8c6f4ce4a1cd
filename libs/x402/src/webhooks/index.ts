/**
 * `@nestjs-x402/core/webhooks`: payment events POSTed to merchants' endpoints, signed, retried,
 * durable with the TypeORM ledger.
 *
 * @example
 * ```ts
 * import { TypeOrmWebhookStore, X402WebhooksModule } from '@nestjs-x402/core/webhooks';
 *
 * X402WebhooksModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({
 *     endpoints: [{ url: process.env.X402_WEBHOOK_URL!, secret: process.env.X402_WEBHOOK_SECRET! }],
 *     store: new TypeOrmWebhookStore(dataSource),
 *   }),
 * });
 * ```
 */
export { X402WebhooksModule } from './x402-webhooks.module.js';
export { X402WebhooksService } from './x402-webhooks.service.js';
export { X402WebhookEndpoints, type X402WebhookEndpointInfo } from './x402-webhook.endpoints.js';
export { X402WebhookWorker } from './x402-webhook.worker.js';
export { X402WebhookRecorder } from './x402-webhook.recorder.js';
export { X402_WEBHOOKS_MODULE_OPTIONS, X402_WEBHOOKS_CONFIG } from './x402-webhooks.module-definition.js';
export { resolveWebhooksConfig, resolveWebhookEndpoint, type X402WebhookEndpoint, type X402WebhooksOptions, type X402WebhooksConfig, type X402ResolvedWebhookEndpoint } from './x402-webhooks.options.js';
export { verifyX402Webhook, signX402Webhook, X402_SIGNATURE_HEADER, type X402WebhookVerification, type X402WebhookVerificationError, type X402WebhookVerifyOptions } from './webhook-signature.js';
export { toWebhookEvent, X402_WEBHOOK_EVENT_TYPES, type X402WebhookEvent, type X402WebhookEventType, type X402WebhookPaymentData, type X402WebhookEventContext } from './webhook-event.js';
export { webhookRetryDelay, nextWebhookAttempt, X402_WEBHOOK_RETRY_DEFAULTS, type X402WebhookRetryOptions, type X402WebhookRetryPolicy } from './webhook-backoff.js';
export {
  X402_WEBHOOK_STORE,
  type X402WebhookStore,
  type X402WebhookDelivery,
  type X402WebhookDeliveryState,
  type X402NewWebhookDelivery,
  type X402WebhookAttemptResult,
  type X402WebhookListQuery,
  type X402StoredWebhookEndpoint,
} from './webhook-store.interface.js';
export { InMemoryWebhookStore } from './in-memory-webhook.store.js';
export { TypeOrmWebhookStore } from './typeorm-webhook.store.js';
