import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlement modes: the `queued` state and the columns of the deferred-settlement outbox
 * (what to settle, when to try next, until when a worker holds it, the deadline), plus the
 * handler outcome recorded for settle-first (`upfront`) payments.
 */
export class X402SettlementOutbox1764000000002 implements MigrationInterface {
  name = 'X402SettlementOutbox1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE x402_payments DROP CONSTRAINT IF EXISTS x402_payments_state_check`);
    await queryRunner.query(
      `ALTER TABLE x402_payments ADD CONSTRAINT x402_payments_state_check CHECK (state IN ('verified', 'queued', 'settling', 'settled', 'failed'))`,
    );
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS mode text NOT NULL DEFAULT 'authorization'`);
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS settlement jsonb`);
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz`);
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS locked_until timestamptz`);
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS settle_by timestamptz`);
    await queryRunner.query(`ALTER TABLE x402_payments ADD COLUMN IF NOT EXISTS handler_error text`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_outbox_idx ON x402_payments (next_attempt_at) WHERE state = 'queued'`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_settling_idx ON x402_payments (locked_until) WHERE state = 'settling'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS x402_payments_settling_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS x402_payments_outbox_idx`);
    for (const column of ['handler_error', 'settle_by', 'locked_until', 'next_attempt_at', 'settlement', 'mode']) {
      await queryRunner.query(`ALTER TABLE x402_payments DROP COLUMN IF EXISTS ${column}`);
    }
    await queryRunner.query(`ALTER TABLE x402_payments DROP CONSTRAINT IF EXISTS x402_payments_state_check`);
    await queryRunner.query(
      `ALTER TABLE x402_payments ADD CONSTRAINT x402_payments_state_check CHECK (state IN ('verified', 'settling', 'settled', 'failed'))`,
    );
  }
}
