import type { X402ModuleOptions } from '@nestjs-x402/core';
import type { DemoConfig } from './demo.config.js';

/** What the embedded devnet contributes to the options: its RPC, token, merchant and gas signer. */
export interface DevnetFacts {
  rpcUrl: string;
  network: string;
  usdc: { address: string; name: string; version: string; decimals: number };
  payTo: string;
  facilitatorPrivateKey: string;
}

/**
 * Turns the demo configuration (and the embedded devnet, if one runs) into module options.
 *
 * @example
 * X402Module.forRoot(toX402Options(loadDemoConfig(process.env), devnet))
 */
export function toX402Options(config: DemoConfig, devnet?: DevnetFacts): X402ModuleOptions {
  const rpcUrl = devnet?.rpcUrl ?? config.rpcUrl;
  const asset = config.asset ?? devnet?.usdc;
  const facilitatorKey = config.facilitatorPrivateKey ?? devnet?.facilitatorPrivateKey;
  return {
    networks: [config.network],
    assets: asset ? { [config.network]: asset } : undefined,
    payTo: config.payTo ?? devnet!.payTo,
    facilitator: config.facilitatorUrl
      ? { type: 'remote', url: config.facilitatorUrl }
      : { type: 'local', privateKey: facilitatorKey!, rpcUrls: { [config.network]: rpcUrl! } },
    publicUrl: config.publicUrl,
    settlement: {
      // a remote facilitator's uncertain settlements (timeout, 5xx) are reconciled from the chain
      rpcUrls: config.facilitatorUrl && rpcUrl ? { [config.network]: rpcUrl } : undefined,
      mode: config.settlementMode,
      holdMs: config.settlementHoldMs,
      reconcileIntervalMs: config.settlementHoldMs,
      deferred: { maxUnsettledPerPayer: config.deferredMaxPerPayer, maxUnsettledTotal: config.deferredMaxTotal },
    },
  };
}
