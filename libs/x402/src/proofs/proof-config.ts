import { randomBytes } from 'node:crypto';
import { X402ConfigError } from '../x402.errors.js';
import type { X402ProofOptions } from './proof-options.js';

/** Transaction-hash proofs after validation: the networks they can be checked on, with their policy. */
export interface ResolvedProofs {
  /** Confirmations a transfer needs, per network that has a JSON-RPC URL (only these are offered). */
  confirmations: Record<string, number>;
  ttlSeconds: number;
  retryAfterSeconds: number;
  headCacheMs: number;
  /** The key that signs payment references (not enumerable: never serialised with the config). */
  secret: Buffer;
  /** True when no secret was given and a random one was made for this process. */
  secretGenerated: boolean;
}

/** The reference key: `proofs.secret`, else `X402_PROOF_SECRET`, else random for this process. */
function resolveSecret(given: unknown, env: string | undefined): { secret: Buffer; generated: boolean } {
  const option = given !== undefined ? 'proofs.secret' : 'X402_PROOF_SECRET';
  const value = given !== undefined ? given : env || undefined;
  if (value === undefined) return { secret: randomBytes(32), generated: true };
  // the message never carries the value
  if (typeof value !== 'string' || value.length < 32) throw new X402ConfigError(option, 'must be a string of at least 32 characters (e.g. `openssl rand -hex 32`)');
  return { secret: Buffer.from(value, 'utf8'), generated: false };
}

function positiveInt(option: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new X402ConfigError(option, `must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Validates the `proofs` options against the accepted networks and the JSON-RPC URLs the module can
 * read the chain with (`settlement.rpcUrls`, else the local facilitator's).
 *
 * @example
 * resolveProofs({ confirmations: { 'eip155:8453': 3 } }, ['eip155:8453'], { 'eip155:8453': rpc })
 * // { confirmations: { 'eip155:8453': 3 }, ttlSeconds: 3600, retryAfterSeconds: 2, headCacheMs: 1000, secretGenerated: true }
 */
export function resolveProofs(options: X402ProofOptions | undefined, networks: string[], rpcUrls: Record<string, string>): ResolvedProofs {
  const given = options ?? {};
  if (typeof given !== 'object') throw new X402ConfigError('proofs', 'must be an object');
  const confirmations: Record<string, number> = {};
  for (const [network, value] of Object.entries(given.confirmations ?? {})) {
    if (!networks.includes(network)) throw new X402ConfigError(`proofs.confirmations["${network}"]`, `${network} is not in networks`);
    if (!rpcUrls[network]) {
      throw new X402ConfigError(`proofs.confirmations["${network}"]`, `no JSON-RPC URL for ${network}: give settlement.rpcUrls["${network}"]`);
    }
    confirmations[network] = positiveInt(`proofs.confirmations["${network}"]`, value, 1);
  }
  for (const network of networks) {
    if (rpcUrls[network] && confirmations[network] === undefined) confirmations[network] = 1;
  }
  const { secret, generated } = resolveSecret(given.secret, process.env.X402_PROOF_SECRET);
  const resolved = {
    confirmations,
    ttlSeconds: positiveInt('proofs.ttlSeconds', given.ttlSeconds, 3600, 30),
    retryAfterSeconds: positiveInt('proofs.retryAfterSeconds', given.retryAfterSeconds, 2),
    headCacheMs: positiveInt('proofs.headCacheMs', given.headCacheMs, 1000, 0),
    secretGenerated: generated,
  };
  return Object.defineProperty(resolved, 'secret', { value: secret, enumerable: false }) as ResolvedProofs;
}
