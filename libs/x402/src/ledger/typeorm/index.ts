/**
 * `@nestjs-x402/core/typeorm`: the payment ledger on PostgreSQL through TypeORM (optional peers `typeorm`,
 * `@nestjs/typeorm`, and a driver such as `pg`).
 *
 * @example
 * ```ts
 * import { TypeOrmPaymentStore, X402_ENTITIES, X402_MIGRATIONS } from '@nestjs-x402/core/typeorm';
 *
 * TypeOrmModule.forRoot({ type: 'postgres', url, entities: X402_ENTITIES, migrations: X402_MIGRATIONS, migrationsRun: true });
 * X402Module.forRootAsync({ inject: [DataSource], useFactory: (ds: DataSource) => ({ ...options, store: new TypeOrmPaymentStore(ds) }) });
 * ```
 */
import { X402Ledger1764000000000 } from './migrations/1764000000000-x402-ledger.js';
import { X402SessionNonces1764000000001 } from './migrations/1764000000001-x402-session-nonces.js';
import { X402SettlementOutbox1764000000002 } from './migrations/1764000000002-x402-settlement-outbox.js';
import { X402ProofsAndUsage1764000000003 } from './migrations/1764000000003-x402-proofs-and-usage.js';
import { X402WebhookDeliveries1764000000004 } from './migrations/1764000000004-x402-webhook-deliveries.js';
import { X402SignInNonces1764000000005 } from './migrations/1764000000005-x402-sign-in-nonces.js';
import { X402ProofClaimOwner1764600000000 } from './migrations/1764600000000-x402-proof-claim-owner.js';
import { X402DeferredExposure1764800000000 } from './migrations/1764800000000-x402-deferred-exposure.js';
import { X402PaymentReferenceEntity } from '../../proofs/typeorm/x402-payment-reference.entity.js';
import { X402PaymentEntity } from './x402-payment.entity.js';
import { X402WebhookDeliveryEntity, X402WebhookEndpointEntity } from '../../webhooks/x402-webhook-delivery.entity.js';

/** Entities of the ledger, for your DataSource's `entities`. */
export const X402_ENTITIES = [X402PaymentEntity, X402PaymentReferenceEntity, X402WebhookDeliveryEntity, X402WebhookEndpointEntity];
/** Migrations of the ledger, for your DataSource's `migrations` (run them with `migrationsRun: true`, the TypeORM CLI or `npx x402 migrate`). */
export const X402_MIGRATIONS = [X402Ledger1764000000000, X402SessionNonces1764000000001, X402SettlementOutbox1764000000002, X402ProofsAndUsage1764000000003, X402WebhookDeliveries1764000000004, X402SignInNonces1764000000005, X402ProofClaimOwner1764600000000, X402DeferredExposure1764800000000];

export {
  X402PaymentEntity,
  X402PaymentReferenceEntity,
  X402WebhookDeliveryEntity,
  X402WebhookEndpointEntity,
  X402Ledger1764000000000,
  X402SessionNonces1764000000001,
  X402SettlementOutbox1764000000002,
  X402ProofsAndUsage1764000000003,
  X402WebhookDeliveries1764000000004,
  X402SignInNonces1764000000005,
  X402ProofClaimOwner1764600000000,
};
export { TypeOrmPaymentStore } from './typeorm-payment.store.js';
export { TypeOrmProofStore } from '../../proofs/typeorm/typeorm-proof.store.js';
export { TypeOrmWebhookStore } from '../../webhooks/typeorm-webhook.store.js';
export { TypeOrmSignInNonceStore } from '../../sessions/typeorm/typeorm-sign-in-nonce.store.js';
