/** The demo's configuration, read from the environment. Every error names its variable. */
export interface DemoConfig {
  port: number;
  databaseUrl?: string;
  /** PostgreSQL pool size. */
  databasePoolSize: number;
  /** Folder of the embedded PGlite ledger when there is no DATABASE_URL. */
  dataDir: string;
  /** Bearer token of /admin; generated at startup when unset. */
  adminToken?: string;
  /** Default settlement mode of the priced routes. */
  settlementMode?: 'authorization' | 'upfront' | 'deferred';
  /** Deferred mode: most USD unsettled per payer / in all. */
  deferredMaxPerPayer?: string;
  deferredMaxTotal?: string;
  /** How long one settlement may take before it is reconciled (ms). */
  settlementHoldMs?: number;
  network: string;
  /** Start the embedded devnet (anvil + test USDC) because no RPC was given for the devnet network. */
  embeddedDevnet: boolean;
  rpcUrl?: string;
  asset?: { address: string; name: string; version: string; decimals: number };
  payTo?: string;
  facilitatorUrl?: string;
  facilitatorPrivateKey?: string;
  publicUrl?: string;
  /** Where payment events are POSTed (X402_WEBHOOK_URL), signed with X402_WEBHOOK_SECRET. */
  webhook?: { url: string; secret: string };
}

/** The network of the embedded devnet (anvil's default chain id). */
export const DEVNET_NETWORK = 'eip155:31337';

export class DemoConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'DemoConfigError';
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new DemoConfigError(name, `must be a URL, got "${value}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new DemoConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  return value;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function address(env: Env, name: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && !ADDRESS.test(value)) throw new DemoConfigError(name, `must be a 0x-prefixed 20-byte hex address, got "${value}"`);
  return value;
}

/**
 * Reads the demo configuration from the environment.
 *
 * @example
 * const config = loadDemoConfig(process.env);
 */
export function loadDemoConfig(env: Env): DemoConfig {
  const portText = optional(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65535) throw new DemoConfigError('PORT', `must be a port number from 0 to 65535, got "${portText}"`);

  const network = optional(env, 'X402_NETWORK') ?? DEVNET_NETWORK;
  if (!/^eip155:[1-9][0-9]*$/.test(network)) throw new DemoConfigError('X402_NETWORK', `must be a CAIP-2 EVM network like eip155:84532, got "${network}"`);
  const rpcUrl = url(env, 'X402_RPC_URL', ['http:', 'https:']);
  const embeddedDevnet = network === DEVNET_NETWORK && rpcUrl === undefined;

  const assetAddress = address(env, 'X402_ASSET');
  const assetName = optional(env, 'X402_ASSET_NAME');
  const assetVersion = optional(env, 'X402_ASSET_VERSION');
  const decimalsText = optional(env, 'X402_ASSET_DECIMALS');
  let asset: DemoConfig['asset'];
  if (assetAddress) {
    if (!assetName) throw new DemoConfigError('X402_ASSET_NAME', 'is required with X402_ASSET: the EIP-712 domain name of the token');
    if (!assetVersion) throw new DemoConfigError('X402_ASSET_VERSION', 'is required with X402_ASSET: the EIP-712 domain version of the token');
    const decimals = Number(decimalsText ?? '6');
    if (!/^[0-9]{1,2}$/.test(decimalsText ?? '6')) throw new DemoConfigError('X402_ASSET_DECIMALS', `must be an integer, got "${decimalsText}"`);
    asset = { address: assetAddress, name: assetName, version: assetVersion, decimals };
  } else {
    for (const name of ['X402_ASSET_NAME', 'X402_ASSET_VERSION', 'X402_ASSET_DECIMALS']) {
      if (optional(env, name)) throw new DemoConfigError(name, 'is only used together with X402_ASSET');
    }
  }

  const facilitatorUrl = url(env, 'X402_FACILITATOR_URL', ['http:', 'https:']);
  const facilitatorPrivateKey = optional(env, 'X402_FACILITATOR_PRIVATE_KEY');
  if (facilitatorPrivateKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(facilitatorPrivateKey)) {
    throw new DemoConfigError('X402_FACILITATOR_PRIVATE_KEY', 'must be a 0x-prefixed 32-byte hex private key');
  }
  if (facilitatorUrl && facilitatorPrivateKey) {
    throw new DemoConfigError('X402_FACILITATOR_URL', 'set either X402_FACILITATOR_URL (remote) or X402_FACILITATOR_PRIVATE_KEY (local), not both');
  }
  const payTo = address(env, 'X402_PAY_TO');
  if (!embeddedDevnet) {
    if (!payTo) throw new DemoConfigError('X402_PAY_TO', `is required on ${network}: the address that receives payments`);
    if (!facilitatorUrl && !facilitatorPrivateKey) {
      throw new DemoConfigError('X402_FACILITATOR_URL', `is required on ${network} (or X402_FACILITATOR_PRIVATE_KEY with X402_RPC_URL for a local facilitator)`);
    }
    if (facilitatorPrivateKey && !rpcUrl) throw new DemoConfigError('X402_RPC_URL', 'is required with X402_FACILITATOR_PRIVATE_KEY');
    if (facilitatorUrl && !rpcUrl) {
      throw new DemoConfigError('X402_RPC_URL', `is required with X402_FACILITATOR_URL: a settlement the facilitator leaves uncertain (timeout, 5xx) is read from the chain of ${network}`);
    }
    if (network === DEVNET_NETWORK && !asset) throw new DemoConfigError('X402_ASSET', `is required on ${network} with X402_RPC_URL: the token address`);
  }

  const poolText = optional(env, 'DATABASE_POOL_SIZE') ?? '10';
  if (!/^[0-9]{1,4}$/.test(poolText) || Number(poolText) < 1) throw new DemoConfigError('DATABASE_POOL_SIZE', `must be a positive integer, got "${poolText}"`);
  const adminToken = optional(env, 'X402_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) throw new DemoConfigError('X402_ADMIN_TOKEN', 'must be at least 16 characters');

  const settlementMode = optional(env, 'X402_SETTLEMENT_MODE');
  if (settlementMode !== undefined && !['authorization', 'upfront', 'deferred'].includes(settlementMode)) {
    throw new DemoConfigError('X402_SETTLEMENT_MODE', `must be authorization, upfront or deferred, got "${settlementMode}"`);
  }
  const usd = (name: string) => {
    const value = optional(env, name);
    if (value !== undefined && !/^[0-9]+(\.[0-9]+)?$/.test(value)) throw new DemoConfigError(name, `must be a USD amount like 1.00, got "${value}"`);
    return value;
  };
  const holdText = optional(env, 'X402_SETTLEMENT_HOLD_MS');
  if (holdText !== undefined && !/^[1-9][0-9]{0,8}$/.test(holdText)) throw new DemoConfigError('X402_SETTLEMENT_HOLD_MS', `must be a positive integer, got "${holdText}"`);

  const webhookUrl = url(env, 'X402_WEBHOOK_URL', ['http:', 'https:']);
  const webhookSecret = optional(env, 'X402_WEBHOOK_SECRET');
  if (webhookUrl && !webhookSecret) throw new DemoConfigError('X402_WEBHOOK_SECRET', 'is required with X402_WEBHOOK_URL: the secret that signs each delivery');
  if (webhookSecret && !webhookUrl) throw new DemoConfigError('X402_WEBHOOK_URL', 'is required with X402_WEBHOOK_SECRET: where payment events are sent');
  if (webhookSecret !== undefined && webhookSecret.length < 16) throw new DemoConfigError('X402_WEBHOOK_SECRET', 'must be at least 16 characters');

  return {
    port,
    webhook: webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined,
    settlementMode: settlementMode as DemoConfig['settlementMode'],
    deferredMaxPerPayer: usd('X402_DEFERRED_MAX_PER_PAYER'),
    deferredMaxTotal: usd('X402_DEFERRED_MAX_TOTAL'),
    settlementHoldMs: holdText === undefined ? undefined : Number(holdText),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: Number(poolText),
    dataDir: optional(env, 'X402_DATA_DIR') ?? '.data/pglite',
    adminToken,
    network,
    embeddedDevnet,
    rpcUrl,
    asset,
    payTo,
    facilitatorUrl,
    facilitatorPrivateKey,
    publicUrl: url(env, 'X402_PUBLIC_URL', ['http:', 'https:']),
  };
}
