import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload } from '@x402/core/types';
import { createWalletClient, http } from 'viem';
import { LocalFacilitatorClient } from '@nestjs-x402/core/local-facilitator';
import type { Devnet, DevnetAccount } from '@nestjs-x402/testing';

/**
 * The real in-process facilitator, except that once it has verified a payment of `victim`, the
 * victim moves its whole balance to `sink`: the settlement that follows is then refused by the
 * facilitator for real (a payer who spent the money between verification and settlement).
 */
export function drainingFacilitator(devnet: Devnet, victim: DevnetAccount, sink: DevnetAccount): FacilitatorClient {
  const local = new LocalFacilitatorClient({ privateKey: devnet.accounts.facilitator.privateKey, rpcUrls: { [devnet.network]: devnet.rpcUrl } });
  const wallet = createWalletClient({ account: victim.account, chain: devnet.chain, transport: http(devnet.rpcUrl) });
  return {
    verify: async (payload, requirements) => {
      const result = await local.verify(payload, requirements);
      const from = (payload as PaymentPayload & { payload: { authorization: { from: string } } }).payload.authorization.from;
      if (result.isValid && from.toLowerCase() === victim.address.toLowerCase()) {
        const hash = await wallet.writeContract({ address: devnet.usdc.address, abi: devnet.usdc.abi, functionName: 'transfer', args: [sink.address, await devnet.balanceOf(victim.address)] });
        await devnet.publicClient.waitForTransactionReceipt({ hash });
      }
      return result;
    },
    settle: (payload, requirements) => local.settle(payload, requirements),
    getSupported: () => local.getSupported(),
  };
}
