import type { FacilitatorClient } from '@x402/core/server';
import type { X402Config } from '../config/x402.config.js';
import { LocalFacilitatorClient } from './local-facilitator.client.js';
import type { NonceLock } from './nonce-lock.js';
import { RemoteFacilitatorClient } from './remote-facilitator.client.js';

/**
 * Creates the facilitator client the options describe.
 *
 * @example
 * const client = createFacilitatorClient(resolveX402Config(options));
 */
export function createFacilitatorClient(config: X402Config, nonceLock?: NonceLock): FacilitatorClient {
  const options = config.facilitator;
  switch (options.type) {
    case 'remote':
      return new RemoteFacilitatorClient({
        url: options.url.replace(/\/+$/, ''),
        timeoutMs: options.timeoutMs ?? 30_000,
        createAuthHeaders: options.createAuthHeaders,
        supportedCacheTtlMs: options.supportedCacheTtlMs,
        maxResponseBytes: options.maxResponseBytes,
      });
    case 'local':
      return new LocalFacilitatorClient({
        privateKey: options.privateKey,
        rpcUrls: Object.fromEntries(config.accepted.map(({ network }) => [network, options.rpcUrls[network]])),
        confirmationTimeoutMs: options.confirmationTimeoutMs,
        nonceLock,
      });
    case 'client':
      return options.client;
  }
}
