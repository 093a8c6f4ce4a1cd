import type { MigrateArgs } from './args.js';
import { CliError, ExitCode, UsageError, redactSecrets } from './errors.js';
import type { CliIo } from './io.js';

/** Loads TypeORM and the ledger's entities: optional peers of the package, installed by apps that use the ledger. */
async function loadLedger() {
  try {
    await import('reflect-metadata');
    const { DataSource } = await import('typeorm');
    const { X402_ENTITIES, X402_MIGRATIONS } = await import('@nestjs-x402/core/typeorm');
    return { DataSource, X402_ENTITIES, X402_MIGRATIONS };
  } catch (error) {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec((error as Error).message)?.[1];
    if (!missing) throw error;
    throw new UsageError(`the ledger needs ${missing}: npm install typeorm pg (and @nestjs/typeorm for the module)`);
  }
}

/**
 * `x402 migrate`: applies the payment ledger's migrations to a PostgreSQL database (or reverts the
 * last one with `--revert`). The same migrations run at startup when the app sets `migrationsRun`.
 */
export async function runMigrate(args: MigrateArgs, io: CliIo): Promise<number> {
  const url = args.databaseUrl ?? io.env.DATABASE_URL;
  if (!url) throw new UsageError('missing database: pass --database-url or set DATABASE_URL');
  const { DataSource, X402_ENTITIES, X402_MIGRATIONS } = await loadLedger();
  const dataSource = new DataSource({ type: 'postgres', url, entities: X402_ENTITIES, migrations: X402_MIGRATIONS, uuidExtension: 'pgcrypto' });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new CliError(`cannot connect to the database: ${redactSecrets((error as Error).message)}`, ExitCode.Network, 'database_unreachable');
  }
  try {
    if (args.revert) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      io.stdout('reverted the last x402 migration');
      return ExitCode.Ok;
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    io.stdout(applied.length ? applied.map((m) => `applied ${m.name}`).join('\n') : 'the x402 ledger is up to date');
    return ExitCode.Ok;
  } finally {
    await dataSource.destroy();
  }
}
