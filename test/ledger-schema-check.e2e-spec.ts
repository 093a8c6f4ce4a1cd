import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { X402Module, type X402ModuleOptions } from '@nestjs-x402/core';
import { TypeOrmPaymentStore, X402_ENTITIES, X402_MIGRATIONS } from '@nestjs-x402/core/typeorm';
import { DATABASE_URL } from './support/databases.js';

/** A facilitator that is never called: the boot fails (or not) before any payment. */
const idleFacilitator = {
  verify: () => Promise.reject(new Error('not called')),
  settle: () => Promise.reject(new Error('not called')),
  getSupported: () => Promise.resolve({ kinds: [], extensions: [], signers: {} }),
};

const options = (store: TypeOrmPaymentStore): X402ModuleOptions => ({
  networks: ['eip155:84532'],
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  facilitator: { type: 'client', client: idleFacilitator as never },
  store,
});

/** A DataSource on a schema of its own on the test PostgreSQL, with the first `migrations` of the ledger run. */
async function ledgerWith(migrations: number): Promise<{ dataSource: DataSource; drop: () => Promise<void> }> {
  const schema = `x402_check_${randomBytes(4).toString('hex')}`;
  const admin = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dataSource = await new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    schema,
    entities: X402_ENTITIES,
    migrations: X402_MIGRATIONS.slice(0, migrations),
    uuidExtension: 'pgcrypto',
    extra: { options: `-c search_path=${schema}` },
  }).initialize();
  await dataSource.runMigrations();
  return {
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}

describe('a TypeORM ledger whose migrations have not run stops the boot (PostgreSQL)', () => {
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => drop?.());

  const boot = async (dataSource: DataSource) => {
    const moduleRef = await Test.createTestingModule({ imports: [X402Module.forRoot(options(new TypeOrmPaymentStore(dataSource)))] }).compile();
    await moduleRef.close();
  };

  it('names the store and the first missing migration when none ran', async () => {
    const ledger = await ledgerWith(0);
    drop = ledger.drop;
    await expect(boot(ledger.dataSource)).rejects.toThrow(/x402: invalid option "store": .*migration X402Ledger1764000000000 has not run/);
  });

  it('names the migration a partly migrated ledger lacks', async () => {
    const ledger = await ledgerWith(2);
    drop = ledger.drop;
    await expect(boot(ledger.dataSource)).rejects.toThrow(/migration X402SettlementOutbox1764000000002 has not run.*npx x402 migrate/);
  });

  it('boots on a migrated ledger', async () => {
    const ledger = await ledgerWith(X402_MIGRATIONS.length);
    drop = ledger.drop;
    await expect(boot(ledger.dataSource)).resolves.toBeUndefined();
  });
});
