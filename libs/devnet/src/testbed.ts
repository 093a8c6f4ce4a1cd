import { x402Client } from '@x402/core/client';
import { ExactEvmScheme, toClientEvmSigner } from '@x402/evm';
import { wrapFetchWithPayment } from '@x402/fetch';
import type { Address } from 'viem';
import type { DevnetAccount } from './accounts.js';
import { startDevnet, type Devnet, type DevnetOptions } from './devnet.js';
import { startFacilitatorServer, type FacilitatorServer, type FacilitatorServerOptions } from './facilitator-server.js';

/** Options of {@link startX402Testbed}. All optional. */
export interface X402TestbedOptions {
  /** Options of the local chain (chain id, port, extra funded buyers, block time). */
  readonly devnet?: DevnetOptions;
  /** Options of the facilitator service (port, an `authorization` header to require, v1 support). */
  readonly facilitator?: Partial<Omit<FacilitatorServerOptions, 'rpcUrl' | 'chainId' | 'privateKey'>>;
}

/**
 * What `X402Module.forRoot` needs to take payments on the testbed (structurally an `X402ModuleOptions`
 * fragment, so this package does not depend on the module's own types).
 */
export interface X402TestbedModuleOptions {
  readonly networks: string[];
  readonly assets: Record<string, { address: string; name: string; version: string; decimals: number }>;
  readonly payTo: Address;
  readonly facilitator: { type: 'remote'; url: string };
  /** The chain's RPC, which the module reads when a settlement's outcome is uncertain (required with a remote facilitator). */
  readonly settlement: { rpcUrls: Record<string, string> };
}

/** A running testbed: a chain, a test USDC, funded buyers, a facilitator service and paying clients. */
export interface X402Testbed {
  /** The local chain (RPC URL, token, accounts, cheat codes). */
  readonly devnet: Devnet;
  /** The facilitator service (`/verify`, `/settle`, `/supported`) settling on the chain. */
  readonly facilitator: FacilitatorServer;
  /** CAIP-2 id of the chain, e.g. `eip155:31337`. */
  readonly network: `eip155:${number}`;
  /** The merchant address payments go to (starts with 0 USDC). */
  readonly payTo: Address;
  /** The funded buyer `fetchWithPayment` pays as (1000 test USDC). */
  readonly buyer: DevnetAccount;
  /** Spread into `X402Module.forRoot({ ...testbed.moduleOptions })`. */
  readonly moduleOptions: X402TestbedModuleOptions;
  /** `fetch` that answers 402s by paying with the official x402 client (`@x402/fetch`) as {@link buyer}. */
  readonly fetchWithPayment: typeof fetch;
  /** `fetch` that pays as another account (for example one of `devnet.accounts.buyers`). */
  payingFetch(account: DevnetAccount): typeof fetch;
  /** Test USDC balance of an address, in atomic units (1 USDC = 1 000 000). */
  balanceOf(address: Address): Promise<bigint>;
  /** Stops the facilitator and the chain. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts what an app's own tests need to pay its `@Priced` routes for real, in one call: anvil with a test
 * USDC (EIP-3009) and funded buyers, a facilitator service settling on it, and the official x402 client.
 * Works in Jest and Vitest, in CommonJS and ESM test files. Needs the `anvil` binary that the
 * `@foundry-rs/anvil` dependency installs (or `ANVIL_BIN`).
 *
 * @example
 * ```ts
 * const testbed = await startX402Testbed();
 * const app = await NestFactory.create(AppModule.register({ ...testbed.moduleOptions }));
 * await app.listen(0);
 * const res = await testbed.fetchWithPayment(`${await app.getUrl()}/weather`);
 * expect(res.status).toBe(200);
 * expect(await testbed.balanceOf(testbed.payTo)).toBe(10_000n);
 * await app.close();
 * await testbed.stop();
 * ```
 */
export async function startX402Testbed(options: X402TestbedOptions = {}): Promise<X402Testbed> {
  const devnet = await startDevnet(options.devnet);
  let facilitator: FacilitatorServer;
  try {
    facilitator = await startFacilitatorServer({
      ...options.facilitator,
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      privateKey: devnet.accounts.facilitator.privateKey,
    });
  } catch (error) {
    await devnet.stop();
    throw error;
  }
  const payTo = devnet.accounts.payTo.address;
  const payingFetch = (account: DevnetAccount): typeof fetch => {
    const client = new x402Client().register('eip155:*', new ExactEvmScheme(toClientEvmSigner(account.account)));
    client.setSpendControls({ allowedAssets: true });
    return wrapFetchWithPayment(fetch, client);
  };
  let stopped: Promise<void> | undefined;
  return {
    devnet,
    facilitator,
    network: devnet.network,
    payTo,
    buyer: devnet.accounts.buyer,
    moduleOptions: {
      networks: [devnet.network],
      assets: { [devnet.network]: { address: devnet.usdc.address, name: devnet.usdc.name, version: devnet.usdc.version, decimals: devnet.usdc.decimals } },
      payTo,
      facilitator: { type: 'remote', url: facilitator.url },
      settlement: { rpcUrls: { [devnet.network]: devnet.rpcUrl } },
    },
    fetchWithPayment: payingFetch(devnet.accounts.buyer),
    payingFetch,
    balanceOf: (address) => devnet.balanceOf(address),
    stop: () => (stopped ??= facilitator.close().finally(() => devnet.stop())),
  };
}
