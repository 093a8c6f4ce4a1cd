import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (`@nestjs-x402/core/webhooks`):
 * - `x402_webhook_deliveries`: one row per event and endpoint, the queue of the delivery worker (due time,
 *   hold of the worker sending it, retry deadline) and what the last attempt got; unique per endpoint and
 *   event id, so an event recorded twice is delivered once;
 * - `x402_webhook_endpoints`: endpoints added at run time through the admin API, with their signing secrets.
 */
export class X402WebhookDeliveries1764000000004 implements MigrationInterface {
  name = 'X402WebhookDeliveries1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS x402_webhook_deliveries (
        id uuid PRIMARY KEY,
        event_id text NOT NULL,
        event_type text NOT NULL,
        endpoint_id text NOT NULL,
        receipt_id text,
        body text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivering', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        retry_until timestamptz NOT NULL,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX IF NOT EXISTS x402_webhook_deliveries_event_uq ON x402_webhook_deliveries (endpoint_id, event_id)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_webhook_deliveries_due_idx ON x402_webhook_deliveries (next_attempt_at) WHERE state = 'pending'`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_webhook_deliveries_lease_idx ON x402_webhook_deliveries (locked_until) WHERE state = 'delivering'`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_webhook_deliveries_state_idx ON x402_webhook_deliveries (state, created_at)`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS x402_webhook_endpoints (
        id text PRIMARY KEY,
        url text NOT NULL,
        secret text NOT NULL,
        events jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS x402_webhook_endpoints`);
    await queryRunner.query(`DROP TABLE IF EXISTS x402_webhook_deliveries`);
  }
}
