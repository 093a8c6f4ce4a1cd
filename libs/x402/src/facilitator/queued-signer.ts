import { toFacilitatorEvmSigner } from '@x402/evm';
import {
  concatHex,
  createWalletClient,
  isAddress,
  defineChain,
  encodeFunctionData,
  publicActions,
  type Abi,
  type Hex,
  type TransactionSerializable,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { LocalFacilitatorOptions } from './local-facilitator.options.js';
import { prepareAggregate } from './aggregate-preparation.js';
import { FeeCache } from './fee-cache.js';
import { MULTICALL3, type transferCall } from './multicall-batch.js';
import { isNonceConflict } from './nonce-lock.js';
import { waitForReceipt } from './receipt-wait.js';
import { codeAt, rpcFailures, watchRpc } from './rpc-scope.js';
import { rpcTransport } from './rpc-transport.js';
import { submissionQueueFor, type HeldLock } from './submission-queue.js';
import { transactionSigner } from './transaction-signer.js';

// The local facilitator's wallet on one chain: one submission queue per key, nonces taken in turn (across
// processes through the nonce lock), RPC failures told apart from refusals, code reads shared within a call.

/** Sends of one transaction when its nonce keeps turning out taken. */
const MAX_NONCE_ATTEMPTS = 4;

/** Longest a nonce lock is kept across back-to-back transactions before it is let go for other replicas. */
const MAX_LOCK_HOLD_MS = 1_000;
/** How long a kept nonce lock waits for the next turn before it is let go. */
const LOCK_IDLE_MS = 50;

/**
 * Whether the nonce lock of a turn that sent its transaction is kept for the next turn instead of going back to the
 * database: kept at most {@link MAX_LOCK_HOLD_MS} in all, so replicas get theirs, and let go after {@link LOCK_IDLE_MS}
 * when no turn comes. The next turn often comes a few ms after this one ended (the next batch waits for this one's
 * receipt, a lone client sends its next payment): a lock taken and let go per transaction cost two SQL round trips
 * and a nonce read each.
 */
function keepsLock(lock: HeldLock): boolean {
  return Date.now() - lock.since < MAX_LOCK_HOLD_MS;
}

/** Payments per settlement transaction: ~60k gas each, well under any block's gas limit. */
export const DEFAULT_MAX_BATCH = 50;
/** How long a batch waits for the receipt of the one before it (see `LocalFacilitatorOptions.batchWaitMs`). */
export const DEFAULT_BATCH_WAIT_MS = 10;

function chainIdOf(network: string): number {
  return Number(network.split(':')[1]);
}

/** The scheme's reason for a token address without code (`@x402/evm`'s `ErrAssetNotDeployedContract`). */
export const ASSET_NOT_A_CONTRACT = 'asset_not_deployed_contract';

/**
 * Token addresses found to hold code, per chain (`<chainId>:<address>`): the signer answers the
 * exact scheme's asset-contract check from here. That check runs in the background of verify and
 * settle and nobody awaits it when verify returns early (the payer's code could not be read, a bad
 * signature): with the RPC down its rejection was unhandled and killed the process. The client
 * reads the asset's code itself, awaited, before the scheme runs, so the scheme's own check never
 * reaches the RPC.
 */
export type KnownContracts = Map<string, Hex>;

const contractKey = (chainId: number, address: string) => `${chainId}:${address.toLowerCase()}`;

/**
 * Builds a viem wallet whose transactions go through one queue per signer key, with nonces
 * assigned locally. The reference in-process facilitator looks the nonce up per settlement
 * and loses concurrent payments to "nonce too low"; this keeps them all.
 */
export function queuedSigner(privateKey: Hex, network: string, rpcUrl: string, options: LocalFacilitatorOptions, knownContracts: KnownContracts) {
  const id = chainIdOf(network);
  const chain = defineChain({
    id,
    name: network,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = privateKeyToAccount(privateKey);
  /** libsecp256k1 where its binding loads, else viem's account: the same signed bytes (see {@link transactionSigner}). */
  const signTransaction = transactionSigner(privateKey, account);
  const client = createWalletClient({
    account,
    chain,
    transport: rpcTransport(rpcUrl, { retryCount: 0 }),
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
   * the chain each time the lock is taken; the lock is kept over back-to-back transactions (the next one already
   * waiting, for at most {@link MAX_LOCK_HOLD_MS}), counting the nonce locally meanwhile. Alone, it is counted locally. A nonce that turns out taken (another
   * process, an operator's transaction) is read again and the transaction signed anew, never passed on to the payer.
   */
  const submit = <R, T>(ready: Promise<R | undefined>, send: (nonce: number, value: R) => Promise<T>): Promise<T | undefined> =>
    new Promise<T | undefined>((answer, fail) => {
      queue
        .run(async () => {
          const kept = queue.takeKeptLock();
          const lock = kept ?? (options.nonceLock ? { release: await options.nonceLock(lockKey), since: Date.now() } : undefined);
          let sent = false;
          try {
            for (let attempt = 1; ; attempt++) {
              // the turn, the lock and the nonce are taken while the transaction is still being prepared; under a lock
              // kept since this queue's own last send, the nonce counted here is still the chain's
              const [nonce, value] = await Promise.all([(lock && !kept) || queue.nextNonce === undefined ? pendingNonce() : queue.nextNonce, ready]);
              if (value === undefined) return answer(undefined); // nothing to send: the nonce stays unused
              try {
                const result = await send(nonce, value);
                queue.nextNonce = nonce + 1;
                sent = true;
                // answered before the lock is let go (a round trip to the database): the next turn waits for it, the payment does not
                return answer(result);
              } catch (error) {
                queue.nextNonce = undefined; // unknown whether the nonce was used: read it again next time
                if (!isNonceConflict(error) || attempt >= MAX_NONCE_ATTEMPTS) throw error;
              }
            }
          } finally {
            if (lock && sent && keepsLock(lock)) queue.keepLock(lock, LOCK_IDLE_MS);
            else await lock?.release();
          }
        })
        .catch(fail); // after an answer, a failed release changes nothing for the payment (its connection is gone, and the lock with it)
    });

  /** Estimates a transaction's gas and fees: everything but the nonce, so it need not wait in the queue. */
  const prepare = async (to: Hex, data: Hex): Promise<TransactionSerializable> => {
    const prepared = await client.prepareTransactionRequest({ account, chain, to, data, parameters: ['fees', 'gas', 'type'] });
    const { type, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas, accessList } = prepared as Record<string, any>;
    const fees = gasPrice !== undefined && maxFeePerGas === undefined ? { gasPrice } : { maxFeePerGas, maxPriorityFeePerGas };
    return { chainId: id, to, data, type, gas, ...fees, ...(accessList ? { accessList } : {}) } as TransactionSerializable;
  };
  /**
   * Signs a transaction with the queue's next nonce and sends it: the only part that waits in turn. Given while
   * it is still being prepared, the turn is taken meanwhile; prepared as undefined (or failed), nothing is sent.
   */
  const sendPrepared = (prepared: TransactionSerializable | Promise<TransactionSerializable | undefined>): Promise<Hex | undefined> => {
    const scope = rpcFailures.getStore();
    const ready = Promise.resolve(prepared);
    ready.catch(() => undefined); // a failed preparation is the caller's to report: not an unhandled rejection while this waits its turn
    return submit(ready, async (nonce, transaction) => {
      const serializedTransaction = await signTransaction({ ...transaction, nonce } as TransactionSerializable);
      if (scope) scope.broadcast = true; // from here the transaction may reach the chain, whatever the RPC answers
      return client.sendRawTransaction({ serializedTransaction });
    });
  };
  /** The signer's fees and transaction type, read at most once a second (see {@link FeeCache}): not on every settlement's path. */
  const feeCache = new FeeCache(async () => {
    const { type, gasPrice, maxFeePerGas, maxPriorityFeePerGas } = (await client.prepareTransactionRequest({
      account,
      chain,
      to: account.address,
      parameters: ['fees', 'type'],
    })) as Record<string, any>;
    return gasPrice !== undefined && maxFeePerGas === undefined ? { type, gasPrice } : { type, maxFeePerGas, maxPriorityFeePerGas };
  });
  /** Runs a prepared transaction as a call at the fees it will pay: checks at gas price 0 can pass where the chain reverts (at our gas). */
  const simulate = (transaction: TransactionSerializable) => {
    const { to, data, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas } = transaction as Record<string, any>;
    const fees = gasPrice !== undefined ? { gasPrice } : { maxFeePerGas, maxPriorityFeePerGas };
    return client.call({ account, to, data, gas, ...fees });
  };
  /** Sends one call (a payment settled alone) only if it succeeds at its real fees: a revert throws here, nothing spent. */
  const send = async (to: Hex, data: Hex): Promise<Hex> => {
    const transaction = await prepare(to, data);
    return simulate(transaction).then(() => sendPrepared(transaction) as Promise<Hex>);
  };

  const receiptOf = (hash: Hex) =>
    waitForReceipt(hash, (h) => client.getTransactionReceipt({ hash: h }), {
      pollingIntervalMs: options.pollingIntervalMs ?? 250,
      timeoutMs: options.confirmationTimeoutMs ?? 60_000,
    });

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
    /** Prepares one Multicall3 `aggregate3` of the `calls` that succeed at the real gas price (see {@link prepareAggregate}). */
    prepareAggregate: (calls: ReturnType<typeof transferCall>[]) =>
      watchRpc(() =>
        prepareAggregate(
          { fees: async (to, data) => ({ chainId: id, to, data, ...(await feeCache.get()) }) as TransactionSerializable, call: simulate, estimateGas: (t) => client.estimateGas({ account: account.address, ...(t as Record<string, any>) }) }, // fees read at most once a second (FeeCache): no fill per settlement
          calls,
        ),
      ),
    /** Sends a transaction through the queue once prepared (turn and nonce taken meanwhile); its hash once sent, undefined if none was. */
    send: (prepared: Promise<TransactionSerializable | undefined>) => watchRpc(() => sendPrepared(prepared)),
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
