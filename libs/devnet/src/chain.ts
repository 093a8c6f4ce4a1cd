import { defineChain, type Chain } from 'viem';

/** Where Multicall3 lives on (nearly) every EVM chain; the devnet installs its runtime code there. */
export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11' as const;

/** The canonical Permit2 address; the devnet installs its own Permit2-compatible code there (`upto` payments). */
export const PERMIT2_ADDRESS = '0x000000000022D473030F116dDEE9F6B43aC78BA3' as const;

/** Where `@x402/evm` expects the x402 `upto` Permit2 proxy; the devnet installs a compatible one there. */
export const UPTO_PERMIT2_PROXY_ADDRESS = '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002' as const;

/**
 * A viem chain for a devnet: given chain id and RPC URL, with Multicall3 at its canonical address so
 * `publicClient.multicall` works.
 *
 * @example
 * ```ts
 * const chain = devnetChain(84532, 'http://127.0.0.1:8545');
 * const client = createPublicClient({ chain, transport: http() });
 * ```
 */
export function devnetChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `x402 devnet (${chainId})`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    contracts: { multicall3: { address: MULTICALL3_ADDRESS, blockCreated: 0 } },
    testnet: true,
  });
}
