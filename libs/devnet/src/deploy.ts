import {
  getAddress,
  getContractAddress,
  type Account,
  type Address,
  type Chain,
  type Hash,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { DEVNET_ACCOUNTS } from './accounts.js';
import { testUsdcAbi } from './abi.js';
import { loadArtifacts } from './artifacts.js';
import { MULTICALL3_ADDRESS, PERMIT2_ADDRESS, UPTO_PERMIT2_PROXY_ADDRESS } from './chain.js';

/** EIP-712 identity of the test token. */
export interface TokenConfig {
  /** ERC-20 name and EIP-712 domain name. USDC on Base: "USD Coin". */
  readonly name: string;
  /** EIP-712 domain version. USDC on Base: "2". */
  readonly version: string;
}

/** Same name and EIP-712 version as USDC on Base / Base Sepolia. */
export const DEFAULT_TOKEN: TokenConfig = Object.freeze({ name: 'USD Coin', version: '2' });

/**
 * Where TestUSDC lands when the deployer (index 0) deploys it as its first transaction (nonce 0) on a
 * fresh anvil: 0x5FbDB2315678afecb367f032d93F642f64180aa3. `startDevnet` always reports the address
 * from the receipt; this constant is for configs that must be written before the chain starts.
 */
export const DEVNET_USDC_ADDRESS: Address = getContractAddress({ from: DEVNET_ACCOUNTS.deployer.address, nonce: 0n });

/** Clients the deployment helpers need. `mine` is called after sending when the chain does not automine. */
export interface DeployContext {
  readonly publicClient: PublicClient<Transport, Chain>;
  readonly walletClient: WalletClient<Transport, Chain, Account>;
  /** Mines a block; pass it when interval mining is on, so setup does not wait for the next block. */
  readonly mine?: () => Promise<void>;
}

async function confirm(ctx: DeployContext, hashes: readonly Hash[], what: string) {
  if (hashes.length === 0) return [];
  if (ctx.mine) await ctx.mine();
  const receipts = await Promise.all(hashes.map((hash) => ctx.publicClient.waitForTransactionReceipt({ hash })));
  const failed = receipts.find((r) => r.status !== 'success');
  if (failed) throw new Error(`${what} reverted (tx ${failed.transactionHash})`);
  return receipts;
}

/**
 * Deploys TestUSDC from the wallet client's account (which becomes its owner and sole minter).
 *
 * @example
 * ```ts
 * const address = await deployTestUsdc({ publicClient, walletClient }, { name: 'USD Coin', version: '2' });
 * ```
 */
export async function deployTestUsdc(ctx: DeployContext, token: TokenConfig = DEFAULT_TOKEN): Promise<Address> {
  const hash = await ctx.walletClient.deployContract({
    abi: testUsdcAbi,
    bytecode: loadArtifacts().TestUSDC.bytecode,
    args: [token.name, token.version],
  });
  const [receipt] = await confirm(ctx, [hash], 'TestUSDC deployment');
  if (!receipt.contractAddress) throw new Error(`TestUSDC deployment ${hash} created no contract`);
  return getAddress(receipt.contractAddress);
}

/**
 * Mints `amount` (atomic units, 6 decimals) of TestUSDC to each recipient. Sends all transactions with
 * consecutive nonces first, then waits for the receipts.
 *
 * @example
 * ```ts
 * await mintUsdc(ctx, usdc, [buyer.address], 1_000_000_000n); // 1000 USDC
 * ```
 */
export async function mintUsdc(
  ctx: DeployContext,
  token: Address,
  recipients: readonly Address[],
  amount: bigint,
): Promise<Hash[]> {
  if (recipients.length === 0) return [];
  const account = ctx.walletClient.account;
  let nonce = await ctx.publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
  const hashes: Hash[] = [];
  for (const to of recipients) {
    hashes.push(
      await ctx.walletClient.writeContract({
        address: token,
        abi: testUsdcAbi,
        functionName: 'mint',
        args: [to, amount],
        nonce: nonce++,
        gas: 120_000n,
      }),
    );
  }
  await confirm(ctx, hashes, 'USDC mint');
  return hashes;
}

/**
 * Installs the Multicall3 *runtime* bytecode at `address` (default: the canonical 0xcA11…CA11) with
 * `anvil_setCode`. viem's `multicall` and the x402 EVM facilitator's error diagnosis call it there.
 *
 * @example
 * ```ts
 * await installMulticall3(testClient);
 * ```
 */
export async function installMulticall3(
  testClient: TestClient<'anvil', Transport, Chain | undefined>,
  address: Address = MULTICALL3_ADDRESS,
): Promise<Address> {
  await testClient.setCode({ address, bytecode: loadArtifacts().Multicall3.deployedBytecode });
  return address;
}

/**
 * Installs Permit2 (signature transfers) at its canonical address and the x402 `upto` Permit2 proxy
 * at the address `@x402/evm` uses, so `upto` payments (and `exact` Permit2 signatures) can be settled
 * on the devnet. Both are this repository's own implementations of the public interfaces
 * (`contracts/DevnetPermit2.sol`, `contracts/DevnetUptoPermit2Proxy.sol`): the canonical bytecode is
 * not available offline. A payer still approves Permit2 on the token once, as on a real chain.
 *
 * @example
 * ```ts
 * await installPermit2(testClient); // { permit2: '0x0000…8BA3', uptoProxy: '0x4020…0002' }
 * ```
 */
export async function installPermit2(
  testClient: TestClient<'anvil', Transport, Chain | undefined>,
): Promise<{ permit2: Address; uptoProxy: Address }> {
  const artifacts = loadArtifacts();
  await testClient.setCode({ address: PERMIT2_ADDRESS, bytecode: artifacts.DevnetPermit2.deployedBytecode });
  await testClient.setCode({ address: UPTO_PERMIT2_PROXY_ADDRESS, bytecode: artifacts.DevnetUptoPermit2Proxy.deployedBytecode });
  return { permit2: PERMIT2_ADDRESS, uptoProxy: UPTO_PERMIT2_PROXY_ADDRESS };
}
