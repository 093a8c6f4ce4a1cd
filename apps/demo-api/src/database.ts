import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { PGliteDriver } from 'typeorm-pglite';
import { X402_ENTITIES, X402_MIGRATIONS } from '@nestjs-x402/core/typeorm';

/** Where the demo keeps its payment ledger. */
export interface DemoDatabaseOptions {
  /** PostgreSQL URL; without it the ledger lives in embedded PGlite. */
  url?: string;
  /** Schema (search_path) on PostgreSQL; tests use one per run. */
  schema?: string;
  /** Connection pool size on PostgreSQL (default 10). */
  poolSize?: number;
  /** PGlite data folder; unset keeps the embedded database in memory. */
  dataDir?: string;
}

/**
 * TypeORM options for the ledger: PostgreSQL when a URL is given, else embedded PGlite (one session,
 * no server needed). The x402 migrations run at startup on both.
 */
export function typeOrmOptions(database: DemoDatabaseOptions = {}): TypeOrmModuleOptions {
  const common = {
    entities: X402_ENTITIES,
    migrations: X402_MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: false,
    retryAttempts: 2,
    retryDelay: 1000,
  } as const;
  if (database.url) {
    return {
      type: 'postgres',
      url: database.url,
      schema: database.schema,
      uuidExtension: 'pgcrypto',
      extra: { max: database.poolSize ?? 10, ...(database.schema ? { options: `-c search_path=${database.schema}` } : {}) },
      ...common,
    };
  }
  if (database.dataDir) mkdirSync(database.dataDir, { recursive: true });
  return {
    type: 'postgres',
    driver: new PGliteDriver(database.dataDir ? { dataDir: database.dataDir } : {}).driver,
    installExtensions: false,
    ...common,
  };
}
