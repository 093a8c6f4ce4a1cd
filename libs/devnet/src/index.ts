/**
 * `@nestjs-x402/testing`: test x402-priced routes for real. {@link startX402Testbed} starts a local EVM chain
 * (anvil) with a USDC-like token and funded buyers, a facilitator service and a paying client in one call;
 * the pieces are exported too.
 *
 * @example
 * ```ts
 * import { startDevnet, DEVNET_ACCOUNTS } from '@nestjs-x402/testing';
 *
 * const devnet = await startDevnet();
 * console.log(devnet.rpcUrl, devnet.network, devnet.usdc.address);
 * await devnet.stop();
 * ```
 */
export { startDevnet, DEVNET_DEFAULTS, type Devnet, type DevnetOptions, type DevnetToken } from './devnet.js';
export {
  DEVNET_ACCOUNTS,
  DEVNET_MNEMONIC,
  FIRST_EXTRA_BUYER_INDEX,
  deriveBuyerAccounts,
  deriveDevnetAccount,
  type DevnetAccount,
  type DevnetAccounts,
} from './accounts.js';
export { spawnAnvil, resolveAnvilBinary, type AnvilOptions, type AnvilProcess } from './anvil.js';
export {
  DEFAULT_TOKEN,
  DEVNET_USDC_ADDRESS,
  deployTestUsdc,
  installMulticall3,
  installPermit2,
  mintUsdc,
  type DeployContext,
  type TokenConfig,
} from './deploy.js';
export { MULTICALL3_ADDRESS, PERMIT2_ADDRESS, UPTO_PERMIT2_PROXY_ADDRESS, devnetChain } from './chain.js';
export { loadArtifacts, type DevnetArtifacts } from './artifacts.js';
export { testUsdcAbi, multicall3Abi, permit2Abi, uptoPermit2ProxyAbi } from './abi.js';
export { startFacilitatorServer, type FacilitatorServer, type FacilitatorServerOptions } from './facilitator-server.js';
export { walletFacilitatorSigner } from './wallet-signer.js';
export { startX402Testbed, type X402Testbed, type X402TestbedModuleOptions, type X402TestbedOptions } from './testbed.js';
