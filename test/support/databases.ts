import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { X402_ENTITIES, X402_MIGRATIONS } from '@nestjs-x402/core/typeorm';

/** The test PostgreSQL: `DATABASE_URL`, default the machine's local server. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  dataSource: DataSource;
  /** Another connection pool on the same database (a second app instance); postgres only. */
  connectAgain(): Promise<DataSource>;
  close(): Promise<void>;
}

/**
 * A ledger database with the x402 migrations applied: a fresh schema on the real PostgreSQL
 * (dropped on close), or an in-memory PGlite.
 */
export async function openTestDatabase(kind: 'postgres' | 'pglite'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const dataSource = new DataSource({ type: 'postgres', driver: new PGliteDriver().driver, installExtensions: false, entities: X402_ENTITIES, migrations: X402_MIGRATIONS });
    await dataSource.initialize();
    await dataSource.runMigrations();
    return { kind, dataSource, connectAgain: () => Promise.reject(new Error('PGlite has one session')), close: () => dataSource.destroy() };
  }
  const schema = `x402_test_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: DATABASE_URL });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const connect = async () => {
    const dataSource = new DataSource({
      type: 'postgres',
      url: DATABASE_URL,
      schema,
      entities: X402_ENTITIES,
      migrations: X402_MIGRATIONS,
      uuidExtension: 'pgcrypto',
      extra: { options: `-c search_path=${schema}`, max: 10 },
    });
    return dataSource.initialize();
  };
  const dataSource = await connect();
  await dataSource.runMigrations();
  const others: DataSource[] = [];
  return {
    kind,
    dataSource,
    connectAgain: async () => {
      const other = await connect();
      others.push(other);
      return other;
    },
    close: async () => {
      for (const other of others) await other.destroy();
      await dataSource.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}
