// The lock that makes a deferred claim's cap check and its insert one step, across requests and instances.
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Sql } from './sql-rows.js';

/** In-process queue per lock name: one waiter per process holds a connection, and PGlite (one session) is covered too. */
const local = new Map<string, Promise<unknown>>();

/** A PostgreSQL advisory lock id (bigint) for a name. */
export function advisoryLockId(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Runs `step` holding the exposure lock of `asset`: queued behind this process's other holders, then a
 * PostgreSQL session advisory lock on a connection of its own, on which `step` runs its statements. Each
 * statement commits on its own, so the next holder (of any instance) reads what this one wrote.
 */
export async function withExposureLock<T>(dataSource: DataSource, asset: string, step: (sql: Sql) => Promise<T>): Promise<T> {
  const name = `x402-exposure:${asset.toLowerCase()}`;
  const previous = local.get(name) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => locked(dataSource, name, step));
  const tail = run.catch(() => undefined);
  local.set(name, tail);
  void tail.then(() => {
    if (local.get(name) === tail) local.delete(name);
  });
  return run;
}

async function locked<T>(dataSource: DataSource, name: string, step: (sql: Sql) => Promise<T>): Promise<T> {
  const id = advisoryLockId(name);
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1::bigint)', [id]);
    try {
      return await step((text, params) => runner.query(text, params));
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [id]);
    }
  } finally {
    await runner.release();
  }
}
