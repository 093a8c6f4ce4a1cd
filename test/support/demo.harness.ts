import type { INestApplication } from '@nestjs/common';
import { x402Client } from '@x402/core/client';
import type { PaymentRequirements } from '@x402/core/types';
import { ExactEvmScheme, toClientEvmSigner } from '@x402/evm';
import { wrapFetchWithPayment } from '@x402/fetch';
import { randomBytes } from 'node:crypto';
import type { PrivateKeyAccount } from 'viem/accounts';
import { DataSource } from 'typeorm';
import { startDevnet, type Devnet, type DevnetOptions } from '#devnet';
import { DATABASE_URL } from './databases.js';
import { createDemoApp } from '../../apps/demo-api/src/app.factory.js';
import { loadDemoConfig } from '../../apps/demo-api/src/demo.config.js';
import { toX402Options } from '../../apps/demo-api/src/x402-options.js';

/** The demo API on a fresh devnet with the local facilitator, listening on a free port. */
export interface DemoHarness {
  devnet: Devnet;
  app: INestApplication;
  url: string;
  adminToken: string;
  /** The PostgreSQL schema of this demo's ledger (postgres only). */
  schema?: string;
  close(): Promise<void>;
}

export interface DemoHarnessOptions {
  /** Ledger on the test PostgreSQL (a fresh schema, the default) or in-memory PGlite. */
  database?: 'postgres' | 'pglite';
  /** Reuse this devnet (not stopped by close) instead of starting one. */
  devnet?: Devnet;
  /** Reuse this PostgreSQL schema (another instance on the same ledger; not dropped by close). */
  schema?: string;
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

async function createSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `x402_demo_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: DATABASE_URL });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    schema,
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}

export async function startDemo(devnetOptions: DevnetOptions = {}, env: Record<string, string> = {}, options: DemoHarnessOptions = {}): Promise<DemoHarness> {
  const devnet = options.devnet ?? (await startDevnet(devnetOptions));
  const ownSchema = options.database !== 'pglite' && !options.schema ? await createSchema() : undefined;
  const schema = options.schema ?? ownSchema?.schema;
  const stopDevnet = () => (options.devnet ? Promise.resolve() : devnet.stop());
  try {
    const config = loadDemoConfig(env);
    const app = await createDemoApp(
      toX402Options(config, {
        rpcUrl: devnet.rpcUrl,
        network: devnet.network,
        usdc: devnet.usdc,
        payTo: devnet.accounts.payTo.address,
        facilitatorPrivateKey: devnet.accounts.facilitator.privateKey,
      }),
      { logger: false, adminToken: ADMIN_TOKEN, database: schema ? { url: DATABASE_URL, schema } : {} },
    );
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      devnet,
      app,
      url,
      adminToken: ADMIN_TOKEN,
      schema,
      close: async () => {
        await app.close();
        await ownSchema?.drop();
        await stopDevnet();
      },
    };
  } catch (error) {
    await ownSchema?.drop();
    await stopDevnet();
    throw error;
  }
}

/** `fetch` that pays 402s with the official x402 v2 client (`@x402/fetch` + `@x402/evm` exact scheme). */
export function payingFetch(account: PrivateKeyAccount): typeof fetch {
  const client = new x402Client().register('eip155:*', new ExactEvmScheme(toClientEvmSigner(account)));
  client.setSpendControls({ allowedAssets: true });
  return wrapFetchWithPayment(fetch, client);
}

/**
 * Signs an EIP-3009 authorization for `accepted` by hand, so tests can make payments the official
 * client would never make (expired, wrong amount, wrong recipient).
 */
export async function signPayment(
  account: PrivateKeyAccount,
  accepted: PaymentRequirements,
  chainId: number,
  overrides: Partial<{ to: `0x${string}`; value: string; validAfter: string; validBefore: string; nonce: `0x${string}` }> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const authorization = {
    from: account.address,
    to: (overrides.to ?? accepted.payTo) as `0x${string}`,
    value: overrides.value ?? accepted.amount,
    validAfter: overrides.validAfter ?? String(now - 600),
    validBefore: overrides.validBefore ?? String(now + accepted.maxTimeoutSeconds),
    nonce: overrides.nonce ?? (`0x${randomBytes(32).toString('hex')}` as `0x${string}`),
  };
  const signature = await account.signTypedData({
    domain: { name: accepted.extra.name as string, version: accepted.extra.version as string, chainId, verifyingContract: accepted.asset as `0x${string}` },
    types: {
      TransferWithAuthorization: [
        { name: 'from', type: 'address' },
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'validAfter', type: 'uint256' },
        { name: 'validBefore', type: 'uint256' },
        { name: 'nonce', type: 'bytes32' },
      ],
    },
    primaryType: 'TransferWithAuthorization',
    message: {
      ...authorization,
      value: BigInt(authorization.value),
      validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore),
    },
  });
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload: { signature, authorization } })).toString('base64');
}

/** Reads the decoded `accepts[0]` of a route's 402. */
export async function challengeOf(url: string, init: RequestInit = {}): Promise<PaymentRequirements> {
  const res = await fetch(url, init);
  if (res.status !== 402) throw new Error(`expected 402 from ${url}, got ${res.status}`);
  return (await res.json()).accepts[0];
}
