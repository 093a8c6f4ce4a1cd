import { defineChain, type Chain } from 'viem';

/** Where Multicall3 lives on (nearly) every EVM chain; the devnet installs its runtime code there. */
export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11' as const;

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
