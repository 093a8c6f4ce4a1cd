import type { FacilitatorClient } from '@x402/core/server';
import { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import { toFacilitatorEvmSigner } from '@x402/evm';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/facilitator';
import { UptoEvmScheme } from '@x402/evm/upto/facilitator';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  concatHex,
  createWalletClient,
  isAddress,
  defineChain,
  encodeFunctionData,
  http,
  HttpRequestError,
  publicActions,
  TimeoutError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
  type Abi,
  type Hex,
  type TransactionSerializable,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { v1NetworkName } from '../http/v1-compat.js';
import { MULTICALL3, MULTICALL3_ABI, transferCall } from './multicall-batch.js';
import { SettlementBatcher } from './settlement-batcher.js';
import { isNonceConflict, type NonceLock } from './nonce-lock.js';
import { submissionQueueFor } from './submission-queue.js';

/** Options of {@link LocalFacilitatorClient}: the gas wallet, the RPC per network and the batching of settlements. */
export interface LocalFacilitatorOptions {
  /** Gas-paying signer key. */
  privateKey: string;
  /** JSON-RPC URL per CAIP-2 network. */
  rpcUrls: Record<string, string>;
  /** Bound on each receipt wait (ms). */
  confirmationTimeoutMs?: number;
  /** How often receipts are polled (ms). */
  pollingIntervalMs?: number;
  /** Most payments settled in one Multicall3 transaction. */
  maxBatch?: number;
  /**
   * Lock shared by every process settling with this key (the module passes the TypeORM ledger's PostgreSQL
   * advisory lock), so replicas with one gas key never sign two transactions with one nonce.
   */
  nonceLock?: NonceLock;
}

/** Sends of one transaction when its nonce keeps turning out taken. */
const MAX_NONCE_ATTEMPTS = 4;

/** Payments per settlement transaction: ~60k gas each, well under any block's gas limit. */
const DEFAULT_MAX_BATCH = 50;

function chainIdOf(network: string): number {
  return Number(network.split(':')[1]);
}

/** What one verify or settle call saw of the chain: its RPC failures, and the code read at each address. */
interface OperationScope {
  error?: unknown;
  codes?: Map<string, Promise<Hex | undefined>>;
}

const rpcFailures = new AsyncLocalStorage<OperationScope>();

/** Transport-level failures (node down, timeout, refused), as opposed to the chain answering no. */
function isTransportFailure(error: unknown): boolean {
  return error instanceof HttpRequestError || error instanceof TimeoutError || (error as { name?: string })?.name === 'TimeoutError';
}

/**
 * The code at `address`, read once per verify or settle call: the exact scheme asks for the payer's
 * code twice in a row (to classify the signature, then to check it), one RPC round trip each.
 */
function codeAt(address: Hex, read: () => Promise<Hex | undefined>): Promise<Hex | undefined> {
  const scope = rpcFailures.getStore();
  if (!scope) return read();
  scope.codes ??= new Map();
  const key = address.toLowerCase();
  let code = scope.codes.get(key);
  if (!code) {
    code = read();
    scope.codes.set(key, code);
    code.catch(() => scope.codes!.delete(key)); // a failed read is not remembered
  }
  return code;
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

/** The scheme's reason for a token address without code (`@x402/evm`'s `ErrAssetNotDeployedContract`). */
const ASSET_NOT_A_CONTRACT = 'asset_not_deployed_contract';

/**
 * Token addresses found to hold code, per chain (`<chainId>:<address>`): the signer answers the
 * exact scheme's asset-contract check from here. That check runs in the background of verify and
 * settle and nobody awaits it when verify returns early (the payer's code could not be read, a bad
 * signature): with the RPC down its rejection was unhandled and killed the process. The client
 * reads the asset's code itself, awaited, before the scheme runs, so the scheme's own check never
 * reaches the RPC.
 */
type KnownContracts = Map<string, Hex>;

const contractKey = (chainId: number, address: string) => `${chainId}:${address.toLowerCase()}`;

/**
 * Builds a viem wallet whose transactions go through one queue per signer key, with nonces
 * assigned locally. The reference in-process facilitator looks the nonce up per settlement
 * and loses concurrent payments to "nonce too low"; this keeps them all.
 */
function queuedSigner(privateKey: Hex, network: string, rpcUrl: string, options: LocalFacilitatorOptions, knownContracts: KnownContracts) {
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
  const assetReads = new Map<string, Promise<boolean>>();
  // A new client reads the nonce from the chain again (in turn, after what is already queued):
  // the chain may have been restarted, or the key used elsewhere, since the queue last saw it.
  void queue.run(async () => {
    queue.nextNonce = undefined;
  });

  const pendingNonce = () => client.getTransactionCount({ address: account.address, blockTag: 'pending' });
  const lockKey = `x402-nonce:${id}:${account.address.toLowerCase()}`;
  /**
   * Sends with the signer's next nonce. Across processes sharing the key (`nonceLock`), the nonce is read from
   * the chain under the lock every time; alone, it is counted locally. A nonce that turns out taken (another
   * process, an operator's transaction) is read again and the transaction signed anew, never passed on to the payer.
   */
  const submit = <T>(send: (nonce: number) => Promise<T>): Promise<T> =>
    queue.run(async () => {
      const release = options.nonceLock ? await options.nonceLock(lockKey) : undefined;
      try {
        for (let attempt = 1; ; attempt++) {
          const nonce = release || queue.nextNonce === undefined ? await pendingNonce() : queue.nextNonce;
          try {
            const result = await send(nonce);
            queue.nextNonce = nonce + 1;
            return result;
          } catch (error) {
            queue.nextNonce = undefined; // unknown whether the nonce was used: read it again next time
            if (!isNonceConflict(error) || attempt >= MAX_NONCE_ATTEMPTS) throw error;
          }
        }
      } finally {
        await release?.();
      }
    });

  /** Estimates a transaction's gas and fees: everything but the nonce, so it need not wait in the queue. */
  const prepare = async (to: Hex, data: Hex): Promise<TransactionSerializable> => {
    const prepared = await client.prepareTransactionRequest({ account, chain, to, data, parameters: ['fees', 'gas', 'type'] });
    const { type, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas, accessList } = prepared as Record<string, any>;
    const fees = gasPrice !== undefined && maxFeePerGas === undefined ? { gasPrice } : { maxFeePerGas, maxPriorityFeePerGas };
    return { chainId: id, to, data, type, gas, ...fees, ...(accessList ? { accessList } : {}) } as TransactionSerializable;
  };
  /** Signs a prepared transaction with the queue's next nonce and sends it: the only part that waits in turn. */
  const sendPrepared = (transaction: TransactionSerializable): Promise<Hex> =>
    submit(async (nonce) => client.sendRawTransaction({ serializedTransaction: await account.signTransaction({ ...transaction, nonce } as TransactionSerializable) }));
  const send = async (to: Hex, data: Hex): Promise<Hex> => sendPrepared(await prepare(to, data));

  /**
   * Waits for a receipt, asking at once and then again after 10, 20, 40 ... ms up to the polling
   * interval: a local chain mines in a few ms, and a fixed interval (viem waits one whole interval
   * when the first look finds nothing) made the unlucky payments wait a quarter of a second.
   */
  const receiptOf = async (hash: Hex) => {
    const deadline = Date.now() + (options.confirmationTimeoutMs ?? 60_000);
    for (let delay = 10; ; delay = Math.min(delay * 2, options.pollingIntervalMs ?? 250)) {
      try {
        return await client.getTransactionReceipt({ hash });
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
      }
      if (Date.now() + delay > deadline) throw new WaitForTransactionReceiptTimeoutError({ hash });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };

  const signer = {
    address: account.address,
    readContract: (args: Parameters<typeof client.readContract>[0]) => watchRpc(() => client.readContract(args)),
    verifyTypedData: (args: Parameters<typeof client.verifyTypedData>[0]) => watchRpc(() => client.verifyTypedData(args)),
    getCode: (args: { address: Hex }) => {
      const known = knownContracts.get(contractKey(id, args.address));
      return known ? Promise.resolve(known) : watchRpc(() => codeAt(args.address, () => client.getCode(args)));
    },
    waitForTransactionReceipt: (args: { hash: Hex; timeout?: number }) => watchRpc(() => client.waitForTransactionReceipt(args)),
    writeContract: (args: { address: Hex; abi: Abi; functionName: string; args?: readonly unknown[]; dataSuffix?: Hex }) =>
      watchRpc(() => send(args.address, concatHex([encodeFunctionData({ abi: args.abi, functionName: args.functionName, args: args.args }), args.dataSuffix ?? '0x']))),
    sendTransaction: (args: { to: Hex; data: Hex }) => watchRpc(() => send(args.to, args.data)),
  };
  const facilitatorSigner = toFacilitatorEvmSigner(signer as any, { confirmationTimeoutMs: options.confirmationTimeoutMs ?? 60_000 });
  return {
    facilitatorSigner,
    /** Prepares one Multicall3 `aggregate3` of `calls` (gas, fees). */
    prepareAggregate: (calls: ReturnType<typeof transferCall>[]) =>
      watchRpc(() => prepare(MULTICALL3, encodeFunctionData({ abi: MULTICALL3_ABI, functionName: 'aggregate3', args: [calls] }))),
    /** Sends a prepared transaction through the queue; its hash once sent. */
    send: (transaction: TransactionSerializable) => watchRpc(() => sendPrepared(transaction)),
    receipt: (hash: Hex) => watchRpc(() => receiptOf(hash)),
    hasMulticall: () => watchRpc(() => client.getCode({ address: MULTICALL3 })).then((code) => !!code && code !== '0x'),
    /**
     * Whether `asset` holds code, read once (then remembered in `knownContracts`); rejects while
     * the RPC is down. Concurrent first payments share one read.
     */
    isContract: (asset: Hex): Promise<boolean> => {
      const key = contractKey(id, asset);
      if (knownContracts.has(key)) return Promise.resolve(true);
      let read = assetReads.get(key);
      if (!read) {
        read = watchRpc(() => client.getCode({ address: asset }))
          .then((code) => {
            if (!code || code === '0x') return false;
            knownContracts.set(key, code);
            return true;
          })
          .finally(() => assetReads.delete(key));
        assetReads.set(key, read);
      }
      return read;
    },
  };
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
  private readonly chains = new Map<string, { batcher: SettlementBatcher; hasMulticall(): Promise<boolean> }>();
  private readonly multicallPresent = new Map<string, Promise<boolean>>();
  private readonly knownContracts: KnownContracts = new Map();
  /** The asset-code check of each network, under its CAIP-2 id and its v1 name. */
  private readonly assetChecks = new Map<string, (asset: Hex) => Promise<boolean>>();

  constructor(options: LocalFacilitatorOptions) {
    for (const [network, rpcUrl] of Object.entries(options.rpcUrls)) {
      const { facilitatorSigner: signer, prepareAggregate, send, receipt, hasMulticall, isContract } = queuedSigner(
        options.privateKey as Hex,
        network,
        rpcUrl,
        options,
        this.knownContracts,
      );
      this.assetChecks.set(network, isContract);
      const batcher = new SettlementBatcher({
        network,
        maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
        prepare: prepareAggregate,
        send,
        receipt,
        alone: (item) => this.facilitator.settle(item.payload, item.requirements),
        diagnose: (item) => this.facilitator.verify(item.payload, item.requirements),
        isolate: (call) => this.watched('settle', call, () => true),
      });
      this.chains.set(network, { batcher, hasMulticall });
      this.facilitator.register(network as `${string}:${string}`, new ExactEvmScheme(signer));
      // Usage prices (`upto`): Permit2 signatures settled through the x402 upto proxy (needs Permit2 and the proxy on the chain).
      this.facilitator.register(network as `${string}:${string}`, new UptoEvmScheme(signer));
      // v1 clients (X-PAYMENT) name the network the v1 way ("base-sepolia"); same chain, same signer.
      const v1Name = v1NetworkName(network);
      if (v1Name) {
        this.facilitator.registerV1(v1Name as `${string}:${string}`, new ExactEvmSchemeV1(signer));
        this.assetChecks.set(v1Name, isContract);
      }
    }
  }

  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.watched(
      'verify',
      async () => (await this.assetRefusal(paymentPayload, paymentRequirements)) ?? this.facilitator.verify(paymentPayload, paymentRequirements),
      (r) => r.isValid,
    );
  }

  /**
   * Reads, awaited, whether the payment's token holds code, before the scheme checks it in the
   * background (see {@link KnownContracts}): a refusal when it does not, nothing when it does;
   * throws while the RPC is down (a 503, never an unhandled rejection).
   */
  private async assetRefusal(payload: PaymentPayload, requirements: PaymentRequirements): Promise<(VerifyResponse & SettleResponse) | undefined> {
    const check = this.assetChecks.get(requirements.network);
    if (!check) return undefined; // not a network of this facilitator: the facilitator says so
    const asset = requirements.asset;
    let isContract = false;
    if (typeof asset === 'string' && isAddress(asset, { strict: false })) {
      try {
        isContract = await check(asset as Hex);
      } catch (error) {
        throw new ChainUnavailableError("the chain's RPC failed while checking the payment's token", { cause: error });
      }
    }
    if (isContract) return undefined;
    const from = (payload.payload as { authorization?: { from?: unknown } } | undefined)?.authorization?.from;
    const payer = typeof from === 'string' ? from : '';
    return {
      isValid: false,
      invalidReason: ASSET_NOT_A_CONTRACT,
      success: false,
      errorReason: ASSET_NOT_A_CONTRACT,
      transaction: '',
      network: requirements.network as SettleResponse['network'],
      payer,
    };
  }

  /**
   * Settles a payment. Where Multicall3 is deployed, v2 `exact` EIP-3009 payments are group-committed:
   * those that arrive while a transaction is being submitted go out together in the next one (see
   * {@link SettlementBatcher}), so concurrent payments share transactions and receipt waits instead of
   * queueing one transaction each behind the signer's nonce. Anything else is settled alone.
   */
  async settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    const refused = await this.watched('settle', () => this.assetRefusal(paymentPayload, paymentRequirements), () => true);
    if (refused) return refused;
    const chain = this.chains.get(paymentRequirements.network);
    if (chain && (await this.multicallOn(paymentRequirements.network))) {
      return this.watched('settle', () => chain.batcher.settle({ payload: paymentPayload, requirements: paymentRequirements }), (r) => r.success);
    }
    return this.watched('settle', () => this.facilitator.settle(paymentPayload, paymentRequirements), (r) => r.success);
  }

  /**
   * Settles several payments (an outbox batch): handed to the group commit together, the v2 `exact`
   * EIP-3009 payments of a network go out in one Multicall3 transaction whose calls may fail one by one;
   * which ones moved money is read from the receipt's `AuthorizationUsed` events. Networks without
   * Multicall3 (or any other payment kind) are settled one by one.
   */
  settleBatch(items: { payload: PaymentPayload; requirements: PaymentRequirements }[]): Promise<SettleResponse[]> {
    return Promise.all(items.map((item) => this.settle(item.payload, item.requirements)));
  }

  private multicallOn(network: string): Promise<boolean> {
    let present = this.multicallPresent.get(network);
    if (!present) {
      present = this.chains
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
    const scope: OperationScope = {};
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
