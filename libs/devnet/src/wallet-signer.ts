import { toFacilitatorEvmSigner } from '@x402/evm';
import { createWalletClient, http, publicActions, type Chain, type PrivateKeyAccount } from 'viem';

/**
 * The `@x402/evm` facilitator signer of a plain viem wallet, wired the way the reference
 * facilitator is: every call goes straight to the RPC, no submission queue. Used by the devnet's
 * facilitator service and by the benchmark's reference server.
 *
 * @example
 * const signer = walletFacilitatorSigner(privateKeyToAccount(key), devnetChain(31337, rpcUrl), rpcUrl);
 */
export function walletFacilitatorSigner(
  account: PrivateKeyAccount,
  chain: Chain,
  rpcUrl: string,
  options: { pollingIntervalMs?: number; confirmationTimeoutMs?: number } = {},
) {
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl), pollingInterval: options.pollingIntervalMs ?? 250 }).extend(publicActions);
  return toFacilitatorEvmSigner(
    {
      address: account.address,
      readContract: (args) => wallet.readContract(args as Parameters<typeof wallet.readContract>[0]),
      verifyTypedData: (args) => wallet.verifyTypedData(args as Parameters<typeof wallet.verifyTypedData>[0]),
      writeContract: (args) => wallet.writeContract(args as Parameters<typeof wallet.writeContract>[0]),
      sendTransaction: (args) => wallet.sendTransaction(args),
      waitForTransactionReceipt: (args) => wallet.waitForTransactionReceipt(args),
      getCode: (args) => wallet.getCode(args),
    },
    options.confirmationTimeoutMs === undefined ? undefined : { confirmationTimeoutMs: options.confirmationTimeoutMs },
  );
}
