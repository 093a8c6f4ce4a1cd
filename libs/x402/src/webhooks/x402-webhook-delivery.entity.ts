import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { X402WebhookDeliveryState } from './webhook-store.interface.js';

/**
 * One webhook event for one endpoint, until it is delivered (or given up). Created by the
 * `X402WebhookDeliveries1764000000004` migration; read and written by `TypeOrmWebhookStore`.
 */
@Entity({ name: 'x402_webhook_deliveries' })
@Index('x402_webhook_deliveries_event_uq', ['endpointId', 'eventId'], { unique: true })
@Index('x402_webhook_deliveries_due_idx', ['nextAttemptAt'], { where: "state = 'pending'" })
@Index('x402_webhook_deliveries_lease_idx', ['lockedUntil'], { where: "state = 'delivering'" })
@Index('x402_webhook_deliveries_state_idx', ['state', 'createdAt'])
export class X402WebhookDeliveryEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** The event's id, the same on every attempt: receivers de-duplicate on it. */
  @Column('text', { name: 'event_id' })
  eventId: string;

  /** `payment.settled`, `payment.failed`, `payment.pending` or `payment.proof_confirmed`. */
  @Column('text', { name: 'event_type' })
  eventType: string;

  /** The endpoint's id in the module options (its URL and secret stay in the configuration). */
  @Column('text', { name: 'endpoint_id' })
  endpointId: string;

  @Column('text', { name: 'receipt_id', nullable: true })
  receiptId: string | null;

  /** The JSON body, sent byte for byte on every attempt. */
  @Column('text')
  body: string;

  @Column('text', { default: 'pending' })
  state: X402WebhookDeliveryState;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt: Date;

  /** Until when the worker sending it holds it. */
  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  /** Retried until then, `failed` afterwards. */
  @Column('timestamptz', { name: 'retry_until' })
  retryUntil: Date;

  @Column('integer', { name: 'last_status', nullable: true })
  lastStatus: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;
}

/**
 * A webhook endpoint added at run time (admin API), with the secret that signs its deliveries. Created by
 * the `X402WebhookDeliveries1764000000004` migration; endpoints given in the module options are not stored.
 */
@Entity({ name: 'x402_webhook_endpoints' })
export class X402WebhookEndpointEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  url: string;

  /** Signs the endpoint's deliveries: protect the database and its backups accordingly. */
  @Column('text')
  secret: string;

  /** Event types it gets (JSON array). */
  @Column('jsonb')
  events: string[];

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
