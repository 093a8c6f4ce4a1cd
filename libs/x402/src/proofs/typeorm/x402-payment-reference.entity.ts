import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PaymentReferenceState } from '../proof-store.interface.js';

/**
 * A payment reference quoted in a 402 for a transaction-hash proof, stored once a transfer is bound to it.
 * Created by the `X402ProofsAndUsage1764000000003` migration (`claim_owner`: `X402ProofClaimOwner1764600000000`).
 */
@Entity({ name: 'x402_payment_references' })
@Index('x402_payment_references_transaction_uq', ['network', 'transactionHash'], { unique: true, where: 'transaction_hash IS NOT NULL' })
@Index('x402_payment_references_expires_idx', ['expiresAt'])
export class X402PaymentReferenceEntity {
  @PrimaryColumn('text')
  reference: string;

  @Column('text')
  network: string;

  @Column('text')
  asset: string;

  @Column('text', { name: 'pay_to' })
  payTo: string;

  /** Atomic units quoted. */
  @Column('numeric', { precision: 78, scale: 0 })
  amount: string;

  @Column('text')
  route: string;

  @Column('text', { name: 'resource_url' })
  resourceUrl: string;

  /** Chain head when quoted: the transfer must be in a later block. */
  @Column('numeric', { name: 'min_block', precision: 78, scale: 0 })
  minBlock: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('text', { default: 'open' })
  state: PaymentReferenceState;

  @Column('text', { name: 'transaction_hash', nullable: true })
  transactionHash: string | null;

  @Column('text', { nullable: true })
  payer: string | null;

  @Column('numeric', { name: 'block_number', precision: 78, scale: 0, nullable: true })
  blockNumber: string | null;

  @Column('numeric', { precision: 78, scale: 0, nullable: true })
  transferred: string | null;

  /** Owner token of the request holding the reference (`claimed`); using or releasing it needs this token. */
  @Column('text', { name: 'claim_owner', nullable: true })
  claimOwner: string | null;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil: Date | null;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
