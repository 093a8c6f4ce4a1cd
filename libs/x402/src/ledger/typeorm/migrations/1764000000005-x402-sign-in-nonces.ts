import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in (`sign-in-with-x`) nonces the server issued in its 402s and that are not used yet: a sign-in
 * must carry one of them, unexpired, and consumes it (a made-up nonce, an expired one or a replay is refused).
 */
export class X402SignInNonces1764000000005 implements MigrationInterface {
  name = 'X402SignInNonces1764000000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS x402_sign_in_nonces (nonce text PRIMARY KEY, expires_at timestamptz NOT NULL)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS x402_sign_in_nonces_expires_idx ON x402_sign_in_nonces (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS x402_sign_in_nonces`);
  }
}
