/**
 * Our demo API as a user runs it against an existing chain: the configuration comes from the
 * environment (X402_NETWORK, X402_RPC_URL, X402_ASSET..., X402_SETTLEMENT_MODE, DATABASE_URL), on the
 * HTTP platform named by BENCH_ADAPTER, with the ledger in the PostgreSQL schema BENCH_SCHEMA or,
 * without DATABASE_URL, in an in-memory PGlite.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createDemoApp } from '../../apps/demo-api/src/app.factory.js';
import { loadDemoConfig } from '../../apps/demo-api/src/demo.config.js';
import { toX402Options } from '../../apps/demo-api/src/x402-options.js';
import { announce } from './server-env.js';

const config = loadDemoConfig(process.env);
const adapter = process.env.BENCH_ADAPTER === 'fastify' ? 'fastify' : 'express';
const app = await createDemoApp(toX402Options(config), {
  adapter,
  database: config.databaseUrl ? { url: config.databaseUrl, schema: process.env.BENCH_SCHEMA, poolSize: config.databasePoolSize } : {},
});
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address() as AddressInfo;
announce(address.port, () => app.close());
