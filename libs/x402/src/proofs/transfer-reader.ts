import { isAddressEqual, parseEventLogs, parseAbi, recoverMessageAddress, TransactionReceiptNotFoundError, type Address, type Hex } from 'viem';
import { RpcClients } from '../settlement/rpc-clients.js';

const TRANSFER_ABI = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)']);
const AUTHORIZATION_USED_ABI = parseAbi(['event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)']);

/** One ERC-20 `Transfer` event of a transaction. */
export interface TransferLog {
  /** The token contract that emitted it. */
  token: string;
  from: string;
  to: string;
  value: bigint;
}

/** What the chain says about a transaction presented as a payment. */
export type TransactionInspection =
  | { status: 'not_found' }
  | { status: 'reverted'; blockNumber: bigint; head: bigint }
  | {
      status: 'mined';
      blockNumber: bigint;
      /** The chain head when read: confirmations = head - blockNumber + 1. */
      head: bigint;
      transfers: TransferLog[];
      /** The transaction used an EIP-3009 authorization: it is an x402 (or other) signed-transfer settlement. */
      signedTransfer: boolean;
      /** Who sent the transaction, and the contract it called (undefined for a deployment). */
      sender: string;
      target?: string;
    };

/** How long a hash the chain does not know is answered from memory, and how many such hashes are kept. */
const MISS_TTL_MS = 2_000;
const MAX_MISSES = 10_000;

/**
 * Reads the receipts of transactions presented as payments, and the chain head, per network. The
 * head read for quotes is cached briefly (`headCacheMs`): at most one RPC call per network per window.
 *
 * @example
 * const reader = new TransferReader({ 'eip155:8453': rpcUrl }, 1000);
 * const seen = await reader.inspect('eip155:8453', hash); // { status: 'mined', blockNumber, head, transfers, signedTransfer }
 */
export class TransferReader {
  private readonly rpc: RpcClients;
  private readonly heads = new Map<string, { at: number; head: Promise<bigint> }>();
  /** `network:hash` -> when the chain last said it does not know it: a random hash costs one RPC call per window, not one per request. */
  private readonly misses = new Map<string, number>();

  constructor(
    rpcUrls: Record<string, string>,
    private readonly headCacheMs: number,
  ) {
    this.rpc = new RpcClients(rpcUrls);
  }

  covers(network: string): boolean {
    return this.rpc.covers(network);
  }

  /** The latest block number, reused for `headCacheMs` (a stale head only makes a quote accept older blocks by a little). */
  cachedHead(network: string): Promise<bigint> {
    const known = this.heads.get(network);
    if (known && Date.now() - known.at < this.headCacheMs) return known.head;
    const head = this.rpc.get(network).getBlockNumber({ cacheTime: 0 });
    this.heads.set(network, { at: Date.now(), head });
    head.catch(() => this.heads.delete(network));
    return head;
  }

  /** Whether the chain said a moment ago that it does not know `transaction` (no call is made). */
  recentlyMissing(network: string, transaction: string): boolean {
    const missed = this.misses.get(`${network}:${transaction.toLowerCase()}`);
    return missed !== undefined && Date.now() - missed < MISS_TTL_MS;
  }

  /** The receipt of `transaction` with its token transfers, and the current head (a hash not found is remembered briefly). */
  async inspect(network: string, transaction: string): Promise<TransactionInspection> {
    const key = `${network}:${transaction.toLowerCase()}`;
    if (this.recentlyMissing(network, transaction)) return { status: 'not_found' };
    const client = this.rpc.get(network);
    let receipt;
    try {
      receipt = await client.getTransactionReceipt({ hash: transaction as Hex });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) {
        this.remember(key);
        return { status: 'not_found' };
      }
      throw error;
    }
    this.misses.delete(key);
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (receipt.status !== 'success') return { status: 'reverted', blockNumber: receipt.blockNumber, head };
    const transfers = parseEventLogs({ abi: TRANSFER_ABI, logs: receipt.logs, eventName: 'Transfer', strict: true }).map((log) => ({
      token: log.address,
      from: log.args.from,
      to: log.args.to,
      value: log.args.value,
    }));
    const signedTransfer = parseEventLogs({ abi: AUTHORIZATION_USED_ABI, logs: receipt.logs, eventName: 'AuthorizationUsed', strict: true }).length > 0;
    return { status: 'mined', blockNumber: receipt.blockNumber, head, transfers, signedTransfer, sender: receipt.from, ...(receipt.to ? { target: receipt.to } : {}) };
  }

  /**
   * Whether `signer` signed `message` (EIP-191 `personal_sign`): recovered locally for a key, else
   * asked of the chain (ERC-1271 for a contract wallet such as a multisig, ERC-6492 before deployment).
   */
  async isSignedBy(network: string, signer: string, message: string, signature: Hex): Promise<boolean> {
    try {
      if (isAddressEqual(await recoverMessageAddress({ message, signature }), signer as Address)) return true;
    } catch {
      // not a plain ECDSA signature: a contract wallet's
    }
    return this.rpc.get(network).verifyMessage({ address: signer as Address, message, signature });
  }

  private remember(key: string): void {
    if (this.misses.size >= MAX_MISSES) {
      const now = Date.now();
      for (const [k, at] of this.misses) if (now - at >= MISS_TTL_MS) this.misses.delete(k);
      if (this.misses.size >= MAX_MISSES) this.misses.delete(this.misses.keys().next().value!);
    }
    this.misses.set(key, Date.now());
  }

}
