import { DEFAULT_ASSETS } from '@x402/evm';
import { getAddress, isAddress } from 'viem';
import { DEFAULT_MAX_PAYMENT_HEADER_BYTES, DEFAULT_MAX_TIMEOUT_SECONDS } from '../x402.constants.js';
import { X402ConfigError } from '../x402.errors.js';
import { resolveProofs, type ResolvedProofs } from '../proofs/proof-config.js';
import type {
  Network,
  X402AssetOptions,
  X402DeferredOptions,
  X402FacilitatorOptions,
  X402IdempotencyOptions,
  X402LedgerOptions,
  X402ModuleOptions,
  X402SettlementMode,
} from '../x402.options.js';

/** A token after validation: checksummed address and a display symbol. */
export interface ResolvedAsset extends Required<X402AssetOptions> {
  address: `0x${string}`;
}

/** One network the module accepts, with its token. */
export interface AcceptedNetwork {
  network: Network;
  asset: ResolvedAsset;
}

/** Options after validation and defaulting: what the rest of the module reads. */
export interface X402Config {
  accepted: AcceptedNetwork[];
  payTo: `0x${string}`;
  facilitator: X402FacilitatorOptions;
  publicUrl?: string;
  maxTimeoutSeconds: number;
  maxPaymentHeaderBytes: number;
  ledger: Required<X402LedgerOptions>;
  idempotency: Required<X402IdempotencyOptions>;
  settlement: ResolvedSettlement;
  /** Transaction-hash proofs: the networks they can be checked on (those with a JSON-RPC URL), confirmations, quote lifetime. */
  proofs: ResolvedProofs;
}

/** Settlement options after validation; USD caps are kept as decimal strings. */
export interface ResolvedSettlement {
  mode: X402SettlementMode;
  rpcUrls: Record<string, string>;
  holdMs: number;
  reconcileIntervalMs: number;
  deferred: Required<X402DeferredOptions>;
}

const MODES: X402SettlementMode[] = ['authorization', 'upfront', 'deferred'];

function checkMode(option: string, value: unknown, fallback: X402SettlementMode): X402SettlementMode {
  if (value === undefined) return fallback;
  if (!MODES.includes(value as X402SettlementMode)) throw new X402ConfigError(option, `must be one of ${MODES.join(', ')}, got ${JSON.stringify(value)}`);
  return value as X402SettlementMode;
}

function checkUsd(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\$?[0-9]+(\.[0-9]+)?$/.test(value)) throw new X402ConfigError(option, `must be a USD amount like "1.00", got ${JSON.stringify(value)}`);
  return value.replace(/^\$/, '');
}

function resolveSettlement(options: X402ModuleOptions): ResolvedSettlement {
  const given = options.settlement ?? {};
  const facilitatorRpcUrls = options.facilitator?.type === 'local' ? options.facilitator.rpcUrls : {};
  const rpcUrls = { ...facilitatorRpcUrls, ...given.rpcUrls };
  for (const [network, url] of Object.entries(given.rpcUrls ?? {})) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new X402ConfigError(`settlement.rpcUrls["${network}"]`, 'must be an http(s) JSON-RPC URL');
  }
  if (options.facilitator?.type === 'remote') {
    // A remote settle that times out or answers 5xx may still land; only the chain can tell, so it must be readable.
    for (const network of options.networks) {
      if (!rpcUrls[network]) {
        throw new X402ConfigError(
          `settlement.rpcUrls["${network}"]`,
          'is required with a remote facilitator: a settlement that times out or fails with 5xx may still land, and is reconciled from the chain (give the JSON-RPC URL of that network)',
        );
      }
    }
  }
  const d = given.deferred ?? {};
  return {
    mode: checkMode('settlement.mode', given.mode, 'authorization'),
    rpcUrls,
    holdMs: checkPositiveInt('settlement.holdMs', given.holdMs, 120_000),
    reconcileIntervalMs: checkPositiveInt('settlement.reconcileIntervalMs', given.reconcileIntervalMs, 15_000, 0),
    deferred: {
      maxUnsettledPerPayer: checkUsd('settlement.deferred.maxUnsettledPerPayer', d.maxUnsettledPerPayer, '1.00'),
      maxUnsettledTotal: checkUsd('settlement.deferred.maxUnsettledTotal', d.maxUnsettledTotal, '100.00'),
      worker: checkBoolean('settlement.deferred.worker', d.worker, true),
      pollIntervalMs: checkPositiveInt('settlement.deferred.pollIntervalMs', d.pollIntervalMs, 250),
      batchWindowMs: checkPositiveInt('settlement.deferred.batchWindowMs', d.batchWindowMs, 200, 0),
      batchSize: checkPositiveInt('settlement.deferred.batchSize', d.batchSize, 25),
      maxAttempts: checkPositiveInt('settlement.deferred.maxAttempts', d.maxAttempts, 8),
      retryBaseMs: checkPositiveInt('settlement.deferred.retryBaseMs', d.retryBaseMs, 500),
      marginSeconds: checkPositiveInt('settlement.deferred.marginSeconds', d.marginSeconds, 30, 0),
    },
  };
}

const CAIP2_EVM = /^eip155:[1-9][0-9]{0,18}$/;

/** Checks an EVM address option and returns it checksummed. */
export function checkAddress(option: string, value: unknown): `0x${string}` {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
    throw new X402ConfigError(option, `must be a 0x-prefixed 20-byte hex address, got ${JSON.stringify(value)}`);
  }
  return getAddress(value);
}

function checkPositiveInt(option: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new X402ConfigError(option, `must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new X402ConfigError(option, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function resolveAsset(network: string, given: X402AssetOptions | undefined): ResolvedAsset {
  const option = `assets["${network}"]`;
  if (!given) {
    const known = DEFAULT_ASSETS[network]?.[0];
    if (!known) {
      throw new X402ConfigError(option, `no known USDC on ${network}: give the token's address, name, version and decimals`);
    }
    return { address: getAddress(known.asset), name: known.name, version: known.version, decimals: known.decimals, symbol: known.symbol ?? 'USDC' };
  }
  const address = checkAddress(`${option}.address`, given.address);
  if (typeof given.name !== 'string' || given.name.length === 0) {
    throw new X402ConfigError(`${option}.name`, 'must be the EIP-712 domain name of the token');
  }
  if (typeof given.version !== 'string' || given.version.length === 0) {
    throw new X402ConfigError(`${option}.version`, 'must be the EIP-712 domain version of the token');
  }
  if (!Number.isInteger(given.decimals) || given.decimals < 0 || given.decimals > 36) {
    throw new X402ConfigError(`${option}.decimals`, `must be an integer from 0 to 36, got ${JSON.stringify(given.decimals)}`);
  }
  return { address, name: given.name, version: given.version, decimals: given.decimals, symbol: given.symbol ?? 'USDC' };
}

function checkFacilitator(value: X402FacilitatorOptions | undefined, networks: string[]): X402FacilitatorOptions {
  if (!value || typeof value !== 'object') {
    throw new X402ConfigError('facilitator', "is required: { type: 'remote', url } or { type: 'local', privateKey, rpcUrls }");
  }
  switch (value.type) {
    case 'remote': {
      let url: URL;
      try {
        url = new URL(value.url);
      } catch {
        throw new X402ConfigError('facilitator.url', `must be an absolute http(s) URL, got ${JSON.stringify(value.url)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new X402ConfigError('facilitator.url', `must use http or https, got ${url.protocol}`);
      }
      checkPositiveInt('facilitator.timeoutMs', value.timeoutMs, 30_000);
      checkPositiveInt('facilitator.supportedCacheTtlMs', value.supportedCacheTtlMs, 300_000);
      checkPositiveInt('facilitator.maxResponseBytes', value.maxResponseBytes, 65_536);
      if (value.createAuthHeaders !== undefined && typeof value.createAuthHeaders !== 'function') {
        throw new X402ConfigError('facilitator.createAuthHeaders', 'must be a function returning headers per path ({ verify, settle, supported })');
      }
      return value;
    }
    case 'local': {
      if (typeof value.privateKey !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value.privateKey)) {
        // Never echo the value: it may be a real key with a typo.
        throw new X402ConfigError('facilitator.privateKey', 'must be a 0x-prefixed 32-byte hex private key');
      }
      for (const network of networks) {
        const rpc = value.rpcUrls?.[network];
        if (typeof rpc !== 'string' || !/^(https?|wss?):\/\//.test(rpc)) {
          throw new X402ConfigError(`facilitator.rpcUrls["${network}"]`, 'must be the http(s) JSON-RPC URL of that network');
        }
      }
      checkPositiveInt('facilitator.confirmationTimeoutMs', value.confirmationTimeoutMs, 60_000);
      return value;
    }
    case 'client':
      if (!value.client || typeof value.client.verify !== 'function' || typeof value.client.settle !== 'function') {
        throw new X402ConfigError('facilitator.client', 'must implement verify, settle and getSupported');
      }
      return value;
    default:
      throw new X402ConfigError('facilitator.type', `must be 'remote', 'local' or 'client', got ${JSON.stringify((value as { type?: unknown }).type)}`);
  }
}

/**
 * Validates module options and fills in defaults. Throws {@link X402ConfigError} naming the first bad option.
 *
 * @example
 * const config = resolveX402Config({ networks: ['eip155:8453'], payTo, facilitator: { type: 'remote', url } });
 */
export function resolveX402Config(options: X402ModuleOptions): X402Config {
  if (!options || typeof options !== 'object') throw new X402ConfigError('options', 'are required');
  if (!Array.isArray(options.networks) || options.networks.length === 0) {
    throw new X402ConfigError('networks', 'must list at least one CAIP-2 network, e.g. ["eip155:8453"]');
  }
  const seen = new Set<string>();
  const accepted = options.networks.map((network, i): AcceptedNetwork => {
    if (typeof network !== 'string' || !CAIP2_EVM.test(network)) {
      throw new X402ConfigError(`networks[${i}]`, `must be a CAIP-2 EVM network like "eip155:8453", got ${JSON.stringify(network)}`);
    }
    if (seen.has(network)) throw new X402ConfigError(`networks[${i}]`, `${network} is listed twice`);
    seen.add(network);
    return { network: network as Network, asset: resolveAsset(network, options.assets?.[network]) };
  });
  for (const key of Object.keys(options.assets ?? {})) {
    if (!seen.has(key)) throw new X402ConfigError(`assets["${key}"]`, `${key} is not in networks`);
  }
  let publicUrl: string | undefined;
  if (options.publicUrl !== undefined) {
    try {
      const url = new URL(options.publicUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
      publicUrl = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      throw new X402ConfigError('publicUrl', `must be an absolute http(s) URL, got ${JSON.stringify(options.publicUrl)}`);
    }
  }
  const config: Omit<X402Config, 'proofs'> = {
    accepted,
    payTo: checkAddress('payTo', options.payTo),
    facilitator: checkFacilitator(options.facilitator, options.networks),
    publicUrl,
    maxTimeoutSeconds: checkPositiveInt('maxTimeoutSeconds', options.maxTimeoutSeconds, DEFAULT_MAX_TIMEOUT_SECONDS),
    maxPaymentHeaderBytes: checkPositiveInt('maxPaymentHeaderBytes', options.maxPaymentHeaderBytes, DEFAULT_MAX_PAYMENT_HEADER_BYTES),
    ledger: {
      snapshots: checkBoolean('ledger.snapshots', options.ledger?.snapshots, true),
      snapshotMaxBytes: checkPositiveInt('ledger.snapshotMaxBytes', options.ledger?.snapshotMaxBytes, 64 * 1024),
      retentionSeconds: checkPositiveInt('ledger.retentionSeconds', options.ledger?.retentionSeconds, 7 * 24 * 3600),
      purgeIntervalSeconds: checkPositiveInt('ledger.purgeIntervalSeconds', options.ledger?.purgeIntervalSeconds, 3600, 0),
      inFlightWaitMs: checkPositiveInt('ledger.inFlightWaitMs', options.ledger?.inFlightWaitMs, 3000, 0),
      replayWindowSeconds: checkPositiveInt('ledger.replayWindowSeconds', options.ledger?.replayWindowSeconds, 60, 0),
    },
    idempotency: { required: checkBoolean('idempotency.required', options.idempotency?.required, false) },
    settlement: resolveSettlement(options),
  };
  return { ...config, proofs: resolveProofs(options.proofs, options.networks, config.settlement.rpcUrls) };
}
