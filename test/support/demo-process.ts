import type { Devnet } from '@nestjs-x402/testing';
import { DATABASE_URL } from './databases.js';

/**
 * Environment for the built demo run as its own process against an external devnet (local
 * facilitator with the devnet's gas key) and a PostgreSQL schema of the test's. The schema is
 * also the connection's application_name, so a test can find and cut its connections.
 */
export function demoProcessEnv(
  devnet: Devnet,
  options: { port: number; schema: string; rpcUrl?: string; extra?: Record<string, string> },
): Record<string, string> {
  const separator = DATABASE_URL.includes('?') ? '&' : '?';
  return {
    PORT: String(options.port),
    DATABASE_URL: `${DATABASE_URL}${separator}options=${encodeURIComponent(`-c search_path=${options.schema}`)}&application_name=${options.schema}`,
    X402_NETWORK: devnet.network,
    X402_RPC_URL: options.rpcUrl ?? devnet.rpcUrl,
    X402_ASSET: devnet.usdc.address,
    X402_ASSET_NAME: devnet.usdc.name,
    X402_ASSET_VERSION: devnet.usdc.version,
    X402_ASSET_DECIMALS: String(devnet.usdc.decimals),
    X402_PAY_TO: devnet.accounts.payTo.address,
    X402_FACILITATOR_PRIVATE_KEY: devnet.accounts.facilitator.privateKey,
    X402_ADMIN_TOKEN: `${options.schema}-admin-token`,
    ...options.extra,
  };
}
