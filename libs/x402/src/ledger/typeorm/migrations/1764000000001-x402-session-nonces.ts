import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-in (`sign-in-with-x`) nonces already used, so a captured sign-in cannot be replayed. */
export class X402SessionNonces1764000000001 implements MigrationInterface {
  name = 'X402SessionNonces1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS x402_session_nonces (nonce text PRIMARY KEY, expires_at timestamptz NOT NULL)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_session_nonces_expires_idx ON x402_session_nonces (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS x402_session_nonces`);
  }
}
