import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The deferred exposure a claim meets, as a function (`x402_deferred_exposure(asset, payer, key)`: `mine`, `total`,
 * `blocked`), planned with index scans only. As a plain query the planner took a bitmap scan of the state index,
 * which reads every entry of an old row version again on every check until a vacuum (every state change of a
 * payment leaves one): ~4,400 entries and 2.5 ms per check after 3,300 payments, growing with the traffic between
 * vacuums. An index scan marks those entries dead the first time it meets them and skips them after (0.2 ms).
 */
export class X402DeferredExposure1764800000000 implements MigrationInterface {
  name = 'X402DeferredExposure1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION x402_deferred_exposure(claim_asset text, claim_payer text, claim_key text)
      RETURNS TABLE (mine numeric, total numeric, blocked boolean)
      LANGUAGE sql STABLE
      SET enable_bitmapscan = off
      SET enable_seqscan = off
      AS $$
        SELECT COALESCE(SUM(p.amount) FILTER (WHERE lower(p.asset) = lower(claim_asset) AND lower(p.payer) = lower(claim_payer)), 0),
               COALESCE(SUM(p.amount) FILTER (WHERE lower(p.asset) = lower(claim_asset)), 0),
               COALESCE(bool_or(p.state = 'failed' AND lower(p.payer) = lower(claim_payer)), false)
        FROM x402_payments p
        WHERE p.mode = 'deferred' AND p.state IN ('verified', 'queued', 'settling', 'failed') AND p.key <> claim_key
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS x402_deferred_exposure(text, text, text)`);
  }
}
