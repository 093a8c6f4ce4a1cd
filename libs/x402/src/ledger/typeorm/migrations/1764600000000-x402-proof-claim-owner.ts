import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transaction-hash proofs: the owner token of the request holding a payment reference
 * (`x402_payment_references.claim_owner`). Using or releasing a reference needs it, so a request whose
 * hold ran out and was taken over can neither use nor free the reference of the request that holds it.
 */
export class X402ProofClaimOwner1764600000000 implements MigrationInterface {
  name = 'X402ProofClaimOwner1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE x402_payment_references ADD COLUMN IF NOT EXISTS claim_owner text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE x402_payment_references DROP COLUMN IF EXISTS claim_owner`);
  }
}
