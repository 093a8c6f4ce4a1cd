import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { UsageError } from './errors.js';

/**
 * The embedded demo's buyer: the well-known anvil/hardhat test account #1. Public knowledge, never use
 * it on a real network.
 */
export const DEMO_BUYER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
export const DEMO_BUYER_ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** Environment variable read when `--key` is not given. */
export const PRIVATE_KEY_ENV = 'X402_PRIVATE_KEY';

export type BuyerSource = 'option' | 'env' | 'demo';

export interface Buyer {
  account: PrivateKeyAccount;
  source: BuyerSource;
}

/**
 * Picks the buyer key: `--key`, else `$X402_PRIVATE_KEY`, else the demo buyer.
 * Error messages say where the bad key came from but never echo it.
 *
 * @throws UsageError when the chosen key is not 32 bytes of hex
 */
export function resolveBuyer(keyOption: string | undefined, env: Record<string, string | undefined>): Buyer {
  const fromEnv = env[PRIVATE_KEY_ENV];
  const [raw, source]: [string, BuyerSource] =
    keyOption !== undefined
      ? [keyOption, 'option']
      : fromEnv !== undefined && fromEnv.trim() !== ''
        ? [fromEnv, 'env']
        : [DEMO_BUYER_KEY, 'demo'];
  const hex = raw.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    const where = source === 'option' ? 'option --key' : `environment variable ${PRIVATE_KEY_ENV}`;
    throw new UsageError(`${where} must be a private key: 0x followed by 64 hex digits`);
  }
  try {
    return { account: privateKeyToAccount(`0x${hex.toLowerCase()}`), source };
  } catch {
    const where = source === 'option' ? 'option --key' : `environment variable ${PRIVATE_KEY_ENV}`;
    throw new UsageError(`${where} is not a valid secp256k1 private key`);
  }
}
