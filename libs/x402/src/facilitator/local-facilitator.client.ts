import type { FacilitatorClient } from '@x402/core/server';
import { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import { toFacilitatorEvmSigner } from '@x402/evm';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createWalletClient, defineChain, http, HttpRequestError, publicActions, TimeoutError, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { v1NetworkName } from '../http/v1-compat.js';
import { authorizationKey, MULTICALL3, MULTICALL3_ABI, transferCall, usedAuthorizations } from './multicall-batch.js';
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

/** The RPC failures seen while one verify or settle call runs. */
const rpcFailures = new AsyncLocalStorage<{ error?: unknown }>();

/** Transport-level failures (node down, timeout, refused), as opposed to the chain answering no. */
function isTransportFailure(error: unknown): boolean {
  return error instanceof HttpRequestError || error instanceof TimeoutError || (error as { name?: string })?.name === 'TimeoutError';
}

async function watchRpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const scope = rpcFailures.getStore();
    if (scope && isTransportFailure(error)) scope.error ??= error;
    throw error;
  }
}

/**
 * The chain's RPC could not be reached while a payment was checked or settled. The exact scheme
 * turns such failures into refusals ("invalid signature"); this error keeps them what they are,
 * so the request fails with 503 instead of blaming the payer.
 */
export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError';
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
  // A new client reads the nonce from the chain again (in turn, after what is already queued):
  // the chain may have been restarted, or the key used elsewhere, since the queue last saw it.
  void queue.run(async () => {
    queue.nextNonce = undefined;
  });

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
    readContract: (args: Parameters<typeof client.readContract>[0]) => watchRpc(() => client.readContract(args)),
    verifyTypedData: (args: Parameters<typeof client.verifyTypedData>[0]) => watchRpc(() => client.verifyTypedData(args)),
    getCode: (args: { address: Hex }) => watchRpc(() => client.getCode(args)),
    waitForTransactionReceipt: (args: { hash: Hex; timeout?: number }) => watchRpc(() => client.waitForTransactionReceipt(args)),
    writeContract: (args: any) => watchRpc(() => submit((nonce) => client.writeContract({ ...args, nonce } as any))),
    sendTransaction: (args: { to: Hex; data: Hex }) => watchRpc(() => submit((nonce) => client.sendTransaction({ ...args, nonce } as any))),
  };
  const facilitatorSigner = toFacilitatorEvmSigner(signer as any, { confirmationTimeoutMs: options.confirmationTimeoutMs ?? 60_000 });
  /** Sends one Multicall3 `aggregate3` of `calls` through the queue and waits for its receipt. */
  const aggregate = async (calls: ReturnType<typeof transferCall>[]) => {
    const hash = await signer.writeContract({ address: MULTICALL3, abi: MULTICALL3_ABI, functionName: 'aggregate3', args: [calls] });
    const receipt = await watchRpc(() => client.waitForTransactionReceipt({ hash, timeout: options.confirmationTimeoutMs ?? 60_000 }));
    return { hash, receipt };
  };
  return { facilitatorSigner, aggregate, hasMulticall: () => watchRpc(() => client.getCode({ address: MULTICALL3 })).then((code) => !!code && code !== '0x') };
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
  private readonly batchers = new Map<string, Pick<ReturnType<typeof queuedSigner>, 'aggregate' | 'hasMulticall'>>();
  private readonly multicallPresent = new Map<string, Promise<boolean>>();

  constructor(options: LocalFacilitatorOptions) {
    for (const [network, rpcUrl] of Object.entries(options.rpcUrls)) {
      const { facilitatorSigner: signer, aggregate, hasMulticall } = queuedSigner(options.privateKey as Hex, network, rpcUrl, options);
      this.batchers.set(network, { aggregate, hasMulticall });
      this.facilitator.register(network as `${string}:${string}`, new ExactEvmScheme(signer));
      // v1 clients (X-PAYMENT) name the network the v1 way ("base-sepolia"); same chain, same signer.
      const v1Name = v1NetworkName(network);
      if (v1Name) this.facilitator.registerV1(v1Name as `${string}:${string}`, new ExactEvmSchemeV1(signer));
    }
  }

  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.watched('verify', () => this.facilitator.verify(paymentPayload, paymentRequirements), (r) => r.isValid);
  }

  settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    return this.watched('settle', () => this.facilitator.settle(paymentPayload, paymentRequirements), (r) => r.success);
  }

  /**
   * Settles several v2 `exact` EIP-3009 payments of one network in one transaction: each is verified
   * first, then all valid ones go into one Multicall3 `aggregate3` of `transferWithAuthorization` calls
   * that may fail one by one. Which ones moved money is read from the receipt's `AuthorizationUsed`
   * events. Networks without Multicall3 (or any other payment kind) fall back to one settle each.
   */
  async settleBatch(items: { payload: PaymentPayload; requirements: PaymentRequirements }[]): Promise<SettleResponse[]> {
    const results: (SettleResponse | undefined)[] = new Array(items.length);
    const byNetwork = new Map<string, number[]>();
    items.forEach((item, i) => {
      const batchable = item.payload.x402Version === 2 && item.requirements.scheme === 'exact' && this.batchers.has(item.requirements.network);
      if (!batchable) return;
      byNetwork.set(item.requirements.network, [...(byNetwork.get(item.requirements.network) ?? []), i]);
    });
    for (const [network, indexes] of byNetwork) {
      if (indexes.length < 2 || !(await this.multicallOn(network))) continue;
      const valid: number[] = [];
      for (const i of indexes) {
        const verified = await this.verify(items[i].payload, items[i].requirements);
        if (verified.isValid) valid.push(i);
        else results[i] = { success: false, errorReason: verified.invalidReason ?? 'invalid_payment', transaction: '', network: network as SettleResponse['network'], payer: verified.payer };
      }
      if (valid.length === 0) continue;
      const { hash, receipt } = await this.watched('settle', () => this.batchers.get(network)!.aggregate(valid.map((i) => transferCall(items[i].payload, items[i].requirements))), () => true);
      const used = receipt.status === 'success' ? usedAuthorizations(receipt.logs) : new Set<string>();
      for (const i of valid) {
        const payer = (items[i].payload.payload as { authorization: { from: string } }).authorization.from;
        results[i] = used.has(authorizationKey(items[i].payload))
          ? { success: true, transaction: hash, network: network as SettleResponse['network'], payer, amount: items[i].requirements.amount }
          : { success: false, errorReason: 'transaction_failed', transaction: hash, network: network as SettleResponse['network'], payer };
      }
    }
    return Promise.all(items.map((item, i) => results[i] ?? this.settle(item.payload, item.requirements)));
  }

  private multicallOn(network: string): Promise<boolean> {
    let present = this.multicallPresent.get(network);
    if (!present) {
      present = this.batchers
        .get(network)!
        .hasMulticall()
        .catch(() => {
          this.multicallPresent.delete(network); // unknown, not absent: ask again next time
          return false;
        });
      this.multicallPresent.set(network, present);
    }
    return present;
  }

  /** Runs a call; a negative answer reached while the RPC was failing is an outage, not a refusal. */
  private async watched<T>(operation: string, call: () => Promise<T>, ok: (result: T) => boolean): Promise<T> {
    const scope: { error?: unknown } = {};
    const result = await rpcFailures.run(scope, async () => {
      try {
        return await call();
      } catch (error) {
        if (scope.error) throw new ChainUnavailableError(`the chain's RPC failed during ${operation}`, { cause: scope.error });
        throw error;
      }
    });
    if (!ok(result) && scope.error) throw new ChainUnavailableError(`the chain's RPC failed during ${operation}`, { cause: scope.error });
    return result;
  }

  async getSupported(): Promise<SupportedResponse> {
    return this.facilitator.getSupported() as SupportedResponse;
  }
}
