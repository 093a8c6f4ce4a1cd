import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transaction-hash proofs and usage-based (`upto`) payments:
 * - `x402_payment_references`: the references quoted in 402s, each bound to at most one transfer
 *   (a transaction hash is bound to one reference: unique per network);
 * - on `x402_payments`, the amount a payer authorized and the amount actually settled (an `upto`
 *   payment settles at most what was authorized; a proof records what the transfer moved), and an
 *   index on the settlement transaction (a settled transaction cannot be presented as a proof).
 */
export class X402ProofsAndUsage1764000000003 implements MigrationInterface {
  name = 'X402ProofsAndUsage1764000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS authorized_amount numeric(78, 0) CHECK (authorized_amount >= 0)`);
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS settled_amount numeric(78, 0) CHECK (settled_amount >= 0)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_transaction_idx ON x402_payments (transaction_hash) WHERE transaction_hash IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS x402_payment_references (
        reference text PRIMARY KEY,
        network text NOT NULL,
        asset text NOT NULL,
        pay_to text NOT NULL,
        amount numeric(78, 0) NOT NULL CHECK (amount > 0),
        route text NOT NULL,
        resource_url text NOT NULL,
        min_block numeric(78, 0) NOT NULL,
        expires_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'pending', 'claimed', 'used')),
        transaction_hash text,
        payer text,
        block_number numeric(78, 0),
        transferred numeric(78, 0),
        locked_until timestamptz,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS x402_payment_references_transaction_uq ON x402_payment_references (network, transaction_hash) WHERE transaction_hash IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payment_references_expires_idx ON x402_payment_references (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS x402_payment_references`);
    await queryRunner.query(`DROP INDEX IF EXISTS x402_payments_transaction_idx`);
    await queryRunner.query(`ALTER TABLE x402_payments DROP COLUMN IF EXISTS settled_amount`);
    await queryRunner.query(`ALTER TABLE x402_payments DROP COLUMN IF EXISTS authorized_amount`);
  }
}
