import type { INestApplication } from '@nestjs/common';
import { x402Client } from '@x402/core/client';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { authorizationTypes, ExactEvmScheme, toClientEvmSigner } from '@x402/evm';
import { ExactEvmSchemeV1 } from '@x402/evm/v1';
import { wrapFetchWithPayment } from '@x402/fetch';
import { randomBytes } from 'node:crypto';
import type { PrivateKeyAccount } from 'viem/accounts';
import { DataSource } from 'typeorm';
import type { X402ModuleOptions } from '@nestjs-x402/core';
import { startDevnet, startFacilitatorServer, type Devnet, type DevnetOptions, type FacilitatorServer, type FacilitatorServerOptions } from '@nestjs-x402/testing';
import { DATABASE_URL } from './databases.js';
import { createDemoApp } from '../../apps/demo-api/src/app.factory.js';
import { DEVNET_NETWORK, loadDemoConfig } from '../../apps/demo-api/src/demo.config.js';
import { toX402Options } from '../../apps/demo-api/src/x402-options.js';

/** The demo API on a fresh devnet with the local facilitator, listening on a free port. */
export interface DemoHarness {
  devnet: Devnet;
  app: INestApplication;
  url: string;
  adminToken: string;
  /** The PostgreSQL schema of this demo's ledger (postgres only). */
  schema?: string;
  /** The facilitator service the demo uses (`facilitator: 'remote'`). */
  facilitator?: FacilitatorServer;
  close(): Promise<void>;
}

/** HTTP platforms every e2e payment case runs on. */
export const ADAPTERS = ['express', 'fastify'] as const;
export type Adapter = (typeof ADAPTERS)[number];

export interface DemoHarnessOptions {
  /** Ledger on the test PostgreSQL (a fresh schema, the default) or in-memory PGlite. */
  database?: 'postgres' | 'pglite';
  /** Reuse this devnet (not stopped by close) instead of starting one. */
  devnet?: Devnet;
  /** Reuse this PostgreSQL schema (another instance on the same ledger; not dropped by close). */
  schema?: string;
  /** HTTP platform of the demo (default express). */
  adapter?: Adapter;
  /**
   * `local` (default): the in-process facilitator. `remote`: a facilitator service on the devnet
   * (`startFacilitatorServer`), used through `X402_FACILITATOR_URL` like a hosted one.
   */
  facilitator?: 'local' | 'remote';
  /** Options of that facilitator service (e.g. the `authorization` it demands). */
  facilitatorServer?: Partial<FacilitatorServerOptions>;
  /** Trust X-Forwarded-* from these proxies (Express `trust proxy`, Fastify `trustProxy`). */
  trustProxy?: string | string[];
  /** Last word on the module options the demo configuration produced (timeouts, auth headers, ...). */
  x402?: (options: X402ModuleOptions) => X402ModuleOptions;
}

/**
 * The demo's environment for this devnet: a chain other than the embedded devnet's (e.g. 84532,
 * the x402 v1 "base-sepolia") is configured as a user would configure Base Sepolia: network, RPC,
 * token and merchant, and the facilitator (its URL, or the local one's key).
 */
function devnetEnv(devnet: Devnet, facilitator: FacilitatorServer | undefined): Record<string, string> {
  const env: Record<string, string> = facilitator ? { X402_FACILITATOR_URL: facilitator.url } : {};
  if (devnet.network === DEVNET_NETWORK) return env;
  return {
    ...env,
    X402_NETWORK: devnet.network,
    X402_RPC_URL: devnet.rpcUrl,
    X402_PAY_TO: devnet.accounts.payTo.address,
    X402_ASSET: devnet.usdc.address,
    X402_ASSET_NAME: devnet.usdc.name,
    X402_ASSET_VERSION: devnet.usdc.version,
    X402_ASSET_DECIMALS: String(devnet.usdc.decimals),
    ...(facilitator ? {} : { X402_FACILITATOR_PRIVATE_KEY: devnet.accounts.facilitator.privateKey }),
  };
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
  let facilitator: FacilitatorServer | undefined;
  const stopDevnet = async () => {
    await facilitator?.close();
    if (!options.devnet) await devnet.stop();
  };
  try {
    if (options.facilitator === 'remote') {
      facilitator = await startFacilitatorServer({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, privateKey: devnet.accounts.facilitator.privateKey, ...options.facilitatorServer });
    }
    const config = loadDemoConfig({ ...devnetEnv(devnet, facilitator), ...env });
    const x402 = toX402Options(config, {
      rpcUrl: devnet.rpcUrl,
      network: devnet.network,
      usdc: devnet.usdc,
      payTo: devnet.accounts.payTo.address,
      facilitatorPrivateKey: devnet.accounts.facilitator.privateKey,
    });
    const app = await createDemoApp(options.x402 ? options.x402(x402) : x402, {
      logger: false,
      adminToken: ADMIN_TOKEN,
      database: schema ? { url: DATABASE_URL, schema } : {},
      adapter: options.adapter,
      trustProxy: options.trustProxy,
      webhooks: config.webhook ? [{ id: 'X402_WEBHOOK_URL', ...config.webhook }] : [],
    });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      devnet,
      app,
      url,
      adminToken: ADMIN_TOKEN,
      schema,
      facilitator,
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
 * `fetch` that pays 402s as an x402 v1 client: the official v1 exact scheme (`ExactEvmSchemeV1`
 * from `@x402/evm/v1`, registered for `base-sepolia`) through `@x402/fetch`. A v1 client reads the
 * 402's JSON body only, so the v2 `PAYMENT-REQUIRED` header is hidden from it; it pays with `X-PAYMENT`.
 */
export function v1PayingFetch(account: PrivateKeyAccount, network = 'base-sepolia'): typeof fetch {
  const client = new x402Client().registerV1(network, new ExactEvmSchemeV1(toClientEvmSigner(account)));
  client.setSpendControls({ allowedAssets: true });
  const bodyOnly: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.status !== 402) return res;
    const headers = new Headers(res.headers);
    headers.delete('payment-required');
    return new Response(await res.arrayBuffer(), { status: res.status, statusText: res.statusText, headers });
  };
  return wrapFetchWithPayment(bodyOnly, client);
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
    types: authorizationTypes,
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

/**
 * The stable code and message of an error body: a 402 body is an x402 PaymentRequired, whose `error`
 * is the code (a string) beside `message`; every other error is `{ error: { code, message } }`.
 */
export function errorOf(body: unknown): { code?: string; message?: string } {
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return { code: error, message: typeof message === 'string' ? message : undefined };
  const inner = (error ?? {}) as { code?: unknown; message?: unknown };
  return { code: typeof inner.code === 'string' ? inner.code : undefined, message: typeof inner.message === 'string' ? inner.message : undefined };
}

/** Reads `accepts[0]` of a route's 402 from its `PAYMENT-REQUIRED` header (x402 v2; the body may be v1). */
export async function challengeOf(url: string, init: RequestInit = {}): Promise<PaymentRequirements> {
  const res = await fetch(url, init);
  if (res.status !== 402) throw new Error(`expected 402 from ${url}, got ${res.status}`);
  await res.arrayBuffer();
  return decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts[0];
}
