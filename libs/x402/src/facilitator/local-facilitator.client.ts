import type { FacilitatorClient } from '@x402/core/server';
import { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import { toFacilitatorEvmSigner } from '@x402/evm';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import { createWalletClient, defineChain, http, publicActions, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { v1NetworkName } from '../http/v1-compat.js';
import { submissionQueueFor } from './submission-queue.js';

export interface LocalFacilitatorOptions {
  /** Gas-paying signer key. */
  privateKey: string;
  /** JSON-RPC URL per CAIP-2 network. */
  rpcUrls: Record<string, string>;
  /** Bound on each receipt wait (ms). */
  confirmationTimeoutMs?: number;
  /** How often receipts are polled (ms). */
  pollingIntervalMs?: number;
}

function chainIdOf(network: string): number {
  return Number(network.split(':')[1]);
}

/**
 * Builds a viem wallet whose transactions go through one queue per signer key, with nonces
 * assigned locally. The reference in-process facilitator looks the nonce up per settlement
 * and loses concurrent payments to "nonce too low"; this keeps them all.
 */
function queuedSigner(privateKey: Hex, network: string, rpcUrl: string, options: LocalFacilitatorOptions) {
  const id = chainIdOf(network);
  const chain = defineChain({
    id,
    name: network,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = privateKeyToAccount(privateKey);
  const client = createWalletClient({
    account,
    chain,
    transport: http(rpcUrl, { retryCount: 0 }),
    pollingInterval: options.pollingIntervalMs ?? 250,
  }).extend(publicActions);
  const queue = submissionQueueFor(account.address, id);

  const submit = <T>(send: (nonce: number) => Promise<T>): Promise<T> =>
    queue.run(async () => {
      const nonce = (queue.nextNonce ??= await client.getTransactionCount({ address: account.address, blockTag: 'pending' }));
      try {
        const result = await send(nonce);
        queue.nextNonce = nonce + 1;
        return result;
      } catch (error) {
        queue.nextNonce = undefined; // unknown whether the nonce was used: read it again next time
        throw error;
      }
    });

  const signer = {
    address: account.address,
    readContract: (args: Parameters<typeof client.readContract>[0]) => client.readContract(args),
    verifyTypedData: (args: Parameters<typeof client.verifyTypedData>[0]) => client.verifyTypedData(args),
    getCode: (args: { address: Hex }) => client.getCode(args),
    waitForTransactionReceipt: (args: { hash: Hex; timeout?: number }) => client.waitForTransactionReceipt(args),
    writeContract: (args: any) => submit((nonce) => client.writeContract({ ...args, nonce } as any)),
    sendTransaction: (args: { to: Hex; data: Hex }) => submit((nonce) => client.sendTransaction({ ...args, nonce } as any)),
  };
  return toFacilitatorEvmSigner(signer as any, { confirmationTimeoutMs: options.confirmationTimeoutMs ?? 60_000 });
}

/**
 * An in-process facilitator: verifies with the `@x402/evm` exact scheme and settles with a local
 * wallet that pays the gas. No facilitator service needed. Networks with an x402 v1 name
 * (`base-sepolia`, `base`, ...) also take v1 payments.
 *
 * @example
 * const facilitator = new LocalFacilitatorClient({ privateKey: process.env.KEY!, rpcUrls: { 'eip155:84532': rpc } });
 */
export class LocalFacilitatorClient implements FacilitatorClient {
  private readonly facilitator = new x402Facilitator();

  constructor(options: LocalFacilitatorOptions) {
    for (const [network, rpcUrl] of Object.entries(options.rpcUrls)) {
      const signer = queuedSigner(options.privateKey as Hex, network, rpcUrl, options);
      this.facilitator.register(network as `${string}:${string}`, new ExactEvmScheme(signer));
      // v1 clients (X-PAYMENT) name the network the v1 way ("base-sepolia"); same chain, same signer.
      const v1Name = v1NetworkName(network);
      if (v1Name) this.facilitator.registerV1(v1Name as `${string}:${string}`, new ExactEvmSchemeV1(signer));
    }
  }

  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.facilitator.verify(paymentPayload, paymentRequirements);
  }

  settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    return this.facilitator.settle(paymentPayload, paymentRequirements);
  }

  async getSupported(): Promise<SupportedResponse> {
    return this.facilitator.getSupported() as SupportedResponse;
  }
}
