import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PaymentState, ResponseSnapshot } from '../payment-store.interface.js';

/**
 * One payment: claimed before the handler runs, a receipt once settled. Created by the
 * `X402Ledger1764000000000` migration; add {@link X402_ENTITIES} and {@link X402_MIGRATIONS} to your DataSource.
 */
@Entity({ name: 'x402_payments' })
@Index('x402_payments_key_uq', ['key'], { unique: true })
@Index('x402_payments_identifier_uq', ['payer', 'paymentIdentifier'], { unique: true, where: 'payment_identifier IS NOT NULL' })
@Index('x402_payments_payer_idx', ['payer', 'createdAt'])
@Index('x402_payments_route_idx', ['route', 'createdAt'])
@Index('x402_payments_created_idx', ['createdAt'])
@Index('x402_payments_settled_idx', ['settledAt'], { where: "state = 'settled'" })
@Index('x402_payments_state_idx', ['state', 'updatedAt'])
@Index('x402_payments_outbox_idx', ['nextAttemptAt'], { where: "state = 'queued'" })
@Index('x402_payments_settling_idx', ['lockedUntil'], { where: "state = 'settling'" })
@Index('x402_payments_transaction_idx', ['transactionHash'], { where: 'transaction_hash IS NOT NULL' })
export class X402PaymentEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** network + asset + payer + nonce, lower case: the replay lock. */
  @Column('text')
  key: string;

  @Column('text')
  network: string;

  @Column('text')
  asset: string;

  @Column('text')
  payer: string;

  @Column('text', { name: 'pay_to' })
  payTo: string;

  /** Atomic units. */
  @Column('numeric', { precision: 78, scale: 0 })
  amount: string;

  /** `upto`: the most the payer authorized (the settled amount is at most this). Set on settlement. */
  @Column('numeric', { name: 'authorized_amount', precision: 78, scale: 0, nullable: true })
  authorizedAmount: string | null;

  /** What the settlement moved: `amount` for exact, the handler's charge for `upto`, the transfer for a proof. */
  @Column('numeric', { name: 'settled_amount', precision: 78, scale: 0, nullable: true })
  settledAmount: string | null;

  @Column('text')
  scheme: string;

  /** `GET /weather/forecast/:city` */
  @Column('text')
  route: string;

  @Column('text', { name: 'resource_url' })
  resourceUrl: string;

  @Column('text')
  nonce: string;

  @Column('text', { name: 'payment_identifier', nullable: true })
  paymentIdentifier: string | null;

  @Column('text')
  state: PaymentState;

  @Column('text', { name: 'transaction_hash', nullable: true })
  transactionHash: string | null;

  @Column('text', { name: 'error_reason', nullable: true })
  errorReason: string | null;

  @Column('jsonb', { nullable: true })
  response: ResponseSnapshot | null;

  @Column('integer', { default: 1 })
  attempts: number;

  /** `authorization`, `upfront` or `deferred`. */
  @Column('text', { default: 'authorization' })
  mode: string;

  /** Payload and requirements kept for a later or recovered settlement. */
  @Column('jsonb', { nullable: true })
  settlement: unknown;

  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @Column('timestamptz', { name: 'settle_by', nullable: true })
  settleBy: Date | null;

  @Column('text', { name: 'handler_error', nullable: true })
  handlerError: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'settled_at', nullable: true })
  settledAt: Date | null;
}
