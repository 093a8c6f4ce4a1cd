import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type Address,
  type Chain,
  type Hash,
  type HttpTransport,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { DEVNET_ACCOUNTS, deriveBuyerAccounts, type DevnetAccount, type DevnetAccounts } from './accounts.js';
import { testUsdcAbi } from './abi.js';
import { spawnAnvil, type AnvilProcess } from './anvil.js';
import { devnetChain, MULTICALL3_ADDRESS, PERMIT2_ADDRESS, UPTO_PERMIT2_PROXY_ADDRESS } from './chain.js';
import { DEFAULT_TOKEN, deployTestUsdc, installMulticall3, installPermit2, mintUsdc, type DeployContext } from './deploy.js';

/** Options of {@link startDevnet}. All optional. */
export interface DevnetOptions {
  /** RPC port. Default (or 0): a free port chosen by the OS. */
  readonly port?: number;
  /** Default 31337. Use 84532 to look like Base Sepolia (x402 v1 network "base-sepolia"). */
  readonly chainId?: number;
  /** Seconds between blocks (interval mining). Default: automine, one block per transaction, no delay. */
  readonly blockTime?: number;
  /** Interface anvil binds. Default `127.0.0.1`. */
  readonly host?: string;
  /** Extra buyer accounts (mnemonic indexes 3, 4, …) funded like the main buyer. Default 0. */
  readonly buyers?: number;
  /** USDC (atomic units, 6 decimals) minted to the buyer and each extra buyer. Default 1000 USDC. */
  readonly buyerBalance?: bigint;
  /** Token name, also the EIP-712 domain name. Default "USD Coin". */
  readonly tokenName?: string;
  /** EIP-712 domain version. Default "2". */
  readonly tokenVersion?: string;
  /** Default true; false forwards anvil's log to this process's stdout/stderr. */
  readonly silent?: boolean;
  /** Startup deadline for anvil itself. Default 10 000 ms. */
  readonly startTimeoutMs?: number;
}

/** Defaults applied by {@link startDevnet}. */
export const DEVNET_DEFAULTS = Object.freeze({
  chainId: 31337,
  host: '127.0.0.1',
  buyers: 0,
  buyerBalance: 1_000_000_000n,
  tokenName: DEFAULT_TOKEN.name,
  tokenVersion: DEFAULT_TOKEN.version,
});

/** The deployed test token, in the shape x402 payment requirements need (`asset`, `extra.name/version`). */
export interface DevnetToken {
  readonly address: Address;
  readonly name: string;
  readonly version: string;
  readonly decimals: 6;
  readonly abi: typeof testUsdcAbi;
}

/** A running local chain with TestUSDC and Multicall3. Call {@link Devnet.stop} when done. */
export interface Devnet {
  /** e.g. `http://127.0.0.1:43817` */
  readonly rpcUrl: string;
  readonly chainId: number;
  /** CAIP-2 id, e.g. `eip155:31337`. */
  readonly network: `eip155:${number}`;
  /** viem chain (id, RPC URL, Multicall3 address). */
  readonly chain: Chain;
  readonly usdc: DevnetToken;
  /** Canonical Multicall3 address, where the devnet installed its Multicall3 code. */
  readonly multicall3: Address;
  /** Canonical Permit2 address, where the devnet installed its Permit2-compatible code (`upto` payments). */
  readonly permit2: Address;
  /** The x402 `upto` Permit2 proxy address `@x402/evm` uses, where the devnet installed a compatible proxy. */
  readonly uptoPermit2Proxy: Address;
  /** The well-known accounts plus the funded extra buyers (empty unless `buyers` was set). */
  readonly accounts: DevnetAccounts & { readonly buyers: readonly DevnetAccount[] };
  readonly publicClient: PublicClient<HttpTransport, Chain>;
  /** Signs and sends as the deployer (USDC owner / facilitator key). */
  readonly walletClient: WalletClient<HttpTransport, Chain, PrivateKeyAccount>;
  /** anvil cheat-code client (setCode, setBalance, increaseTime, snapshot, …). */
  readonly testClient: TestClient<'anvil', HttpTransport, Chain>;
  /** Milliseconds `startDevnet` took, spawn to funded. */
  readonly startupMs: number;
  /** anvil's process id. */
  readonly pid: number;
  /** Mines `blocks` blocks (default 1) immediately. */
  mine(blocks?: number): Promise<void>;
  /** Moves chain time forward by `seconds` and mines a block carrying the new timestamp. */
  increaseTime(seconds: number): Promise<void>;
  /** TestUSDC balance (atomic units). */
  balanceOf(address: Address): Promise<bigint>;
  /** Mints TestUSDC to `to` as the deployer; resolves once mined. */
  mint(to: Address, amount: bigint): Promise<Hash>;
  /** Kills anvil and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts anvil on a free port, deploys TestUSDC (name "USD Coin", EIP-712 version "2" unless told
 * otherwise) from the deployer, installs Multicall3 at 0xcA11bde05977b3631167028862bE2a173976CA11,
 * Permit2 and the x402 `upto` Permit2 proxy at their canonical addresses (see `installPermit2`) and
 * mints the buyer (and any extra buyers) 1000 USDC. Typically ready in well under a second.
 *
 * @example
 * ```ts
 * import { startDevnet } from '@nestjs-x402/testing';
 *
 * const devnet = await startDevnet({ chainId: 84532, buyers: 4 });
 * try {
 *   const requirements = {
 *     network: devnet.network,                 // 'eip155:84532'
 *     asset: devnet.usdc.address,
 *     payTo: devnet.accounts.payTo.address,
 *     extra: { name: devnet.usdc.name, version: devnet.usdc.version },
 *   };
 *   console.log(await devnet.balanceOf(devnet.accounts.buyer.address)); // 1000000000n
 * } finally {
 *   await devnet.stop();
 * }
 * ```
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const started = performance.now();
  const chainId = options.chainId ?? DEVNET_DEFAULTS.chainId;
  const buyerBalance = options.buyerBalance ?? DEVNET_DEFAULTS.buyerBalance;
  const token = {
    name: options.tokenName ?? DEVNET_DEFAULTS.tokenName,
    version: options.tokenVersion ?? DEVNET_DEFAULTS.tokenVersion,
  };
  const extraBuyers = deriveBuyerAccounts(options.buyers ?? DEVNET_DEFAULTS.buyers);
  const automine = !options.blockTime;

  const anvil: AnvilProcess = await spawnAnvil({
    port: options.port,
    host: options.host ?? DEVNET_DEFAULTS.host,
    chainId,
    blockTime: options.blockTime,
    accounts: Math.max(10, 3 + extraBuyers.length),
    silent: options.silent,
    startTimeoutMs: options.startTimeoutMs,
  });

  try {
    const chain = devnetChain(chainId, anvil.rpcUrl);
    // Local node: poll fast and never serve a cached block number.
    const clientOptions = { chain, transport: http(anvil.rpcUrl), pollingInterval: 50, cacheTime: 0 } as const;
    const publicClient = createPublicClient(clientOptions) as PublicClient<HttpTransport, Chain>;
    const walletClient = createWalletClient({ ...clientOptions, account: DEVNET_ACCOUNTS.deployer.account });
    const testClient = createTestClient({ ...clientOptions, mode: 'anvil' });

    const mineOne = async () => {
      await testClient.mine({ blocks: 1 });
    };
    const ctx: DeployContext = { publicClient, walletClient, mine: automine ? undefined : mineOne };

    const [usdcAddress] = await Promise.all([deployTestUsdc(ctx, token), installMulticall3(testClient), installPermit2(testClient)]);
    const recipients = [DEVNET_ACCOUNTS.buyer, ...extraBuyers].map((a) => a.address);
    await mintUsdc(ctx, usdcAddress, recipients, buyerBalance);

    // Writes made through the Devnet handle are serialized, so their nonces never collide.
    let queue: Promise<unknown> = Promise.resolve();
    const serialized = <T>(task: () => Promise<T>): Promise<T> => {
      const run = queue.then(task, task);
      queue = run.catch(() => undefined);
      return run;
    };

    const usdc: DevnetToken = Object.freeze({ address: usdcAddress, ...token, decimals: 6 as const, abi: testUsdcAbi });
    const startupMs = Math.round(performance.now() - started);

    return {
      rpcUrl: anvil.rpcUrl,
      chainId,
      network: `eip155:${chainId}`,
      chain,
      usdc,
      multicall3: MULTICALL3_ADDRESS,
      permit2: PERMIT2_ADDRESS,
      uptoPermit2Proxy: UPTO_PERMIT2_PROXY_ADDRESS,
      accounts: Object.freeze({ ...DEVNET_ACCOUNTS, buyers: Object.freeze(extraBuyers) }),
      publicClient,
      walletClient,
      testClient,
      startupMs,
      pid: anvil.pid,
      mine: async (blocks = 1) => {
        await testClient.mine({ blocks });
      },
      increaseTime: async (seconds) => {
        await testClient.increaseTime({ seconds });
        await mineOne();
      },
      balanceOf: (address) =>
        publicClient.readContract({ address: usdcAddress, abi: testUsdcAbi, functionName: 'balanceOf', args: [address] }),
      mint: (to, amount) => serialized(async () => (await mintUsdc(ctx, usdcAddress, [to], amount))[0]),
      stop: () => anvil.stop(),
    };
  } catch (err) {
    const output = anvil.output().trim().split('\n').slice(-20).join('\n');
    await anvil.stop();
    throw new Error(`devnet setup failed: ${(err as Error).message}${output ? `\nanvil output (tail):\n${output}` : ''}`, {
      cause: err,
    });
  }
}
