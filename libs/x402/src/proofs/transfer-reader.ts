import { parseEventLogs, parseAbi, TransactionReceiptNotFoundError, type Hex } from 'viem';
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
    };

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

  /** The receipt of `transaction` with its token transfers, and the current head. */
  async inspect(network: string, transaction: string): Promise<TransactionInspection> {
    const client = this.rpc.get(network);
    let receipt;
    try {
      receipt = await client.getTransactionReceipt({ hash: transaction as Hex });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return { status: 'not_found' };
      throw error;
    }
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (receipt.status !== 'success') return { status: 'reverted', blockNumber: receipt.blockNumber, head };
    const transfers = parseEventLogs({ abi: TRANSFER_ABI, logs: receipt.logs, eventName: 'Transfer', strict: true }).map((log) => ({
      token: log.address,
      from: log.args.from,
      to: log.args.to,
      value: log.args.value,
    }));
    const signedTransfer = parseEventLogs({ abi: AUTHORIZATION_USED_ABI, logs: receipt.logs, eventName: 'AuthorizationUsed', strict: true }).length > 0;
    return { status: 'mined', blockNumber: receipt.blockNumber, head, transfers, signedTransfer };
  }

}
