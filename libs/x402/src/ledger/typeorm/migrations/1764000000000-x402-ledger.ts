import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates the payment ledger: `x402_payments` with the replay lock, idempotency and query indexes. */
export class X402Ledger1764000000000 implements MigrationInterface {
  name = 'X402Ledger1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS x402_payments (
        id uuid PRIMARY KEY,
        key text NOT NULL,
        network text NOT NULL,
        asset text NOT NULL,
        payer text NOT NULL,
        pay_to text NOT NULL,
        amount numeric(78, 0) NOT NULL CHECK (amount >= 0),
        scheme text NOT NULL,
        route text NOT NULL,
        resource_url text NOT NULL,
        nonce text NOT NULL,
        payment_identifier text,
        state text NOT NULL CHECK (state IN ('verified', 'settling', 'settled', 'failed')),
        transaction_hash text,
        error_reason text,
        response jsonb,
        attempts integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX IF NOT EXISTS x402_payments_key_uq ON x402_payments (key)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS x402_payments_identifier_uq ON x402_payments (payer, payment_identifier) WHERE payment_identifier IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_payer_idx ON x402_payments (payer, created_at)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_route_idx ON x402_payments (route, created_at)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_created_idx ON x402_payments (created_at)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_settled_idx ON x402_payments (settled_at) WHERE state = 'settled'`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_payments_state_idx ON x402_payments (state, updated_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS x402_payments`);
  }
}
