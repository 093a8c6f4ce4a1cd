import { parseAbi, parseAbiItem, parseEventLogs, type Hex } from 'viem';
import { RpcClients } from './rpc-clients.js';

const EIP3009_ABI = parseAbi(['function authorizationState(address authorizer, bytes32 nonce) view returns (bool)']);
const AUTHORIZATION_USED = parseAbiItem('event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)');
const AUTHORIZATION_CANCELED = parseAbiItem('event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)');
const TRANSFER_ABI = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)']);
const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
const PERMIT2_ABI = parseAbi(['function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)']);

/** How far back to look for the transaction that used an authorization (blocks). */
const LOOKBACK_BLOCKS = 10_000n;

/**
 * What the chain says about one EIP-3009 authorization. Asked about a payment (`payTo`, `amount`),
 * a used one also says whether it `paid`: `true` when the transaction that used the nonce moved the
 * amount from the payer to payTo, `false` when the nonce went another way (`cancelAuthorization`, or
 * another authorization with the same nonce paying someone else), absent when that transaction was
 * not found (then nothing can be concluded).
 */
export type AuthorizationOnChain = { used: false } | { used: true; transaction?: string; paid?: boolean };

/** The payment an authorization was for, to tell a paying use of its nonce from any other. */
export interface ExpectedTransfer {
  payTo: string;
  /** Atomic units. */
  amount: string;
}

/**
 * Reads EIP-3009 authorization state from the chain, to settle uncertain outcomes (a settlement
 * whose transaction was sent but never confirmed to us): used means the money moved.
 */
export class ChainReader {
  private readonly rpc: RpcClients;

  constructor(rpcUrls: Record<string, string>) {
    this.rpc = new RpcClients(rpcUrls);
  }

  /** True if this reader can look at `network`. */
  covers(network: string): boolean {
    return this.rpc.covers(network);
  }

  async authorization(network: string, asset: string, authorizer: string, nonce: string, expected?: ExpectedTransfer): Promise<AuthorizationOnChain> {
    const client = this.rpc.get(network);
    const used = await client.readContract({ address: asset as Hex, abi: EIP3009_ABI, functionName: 'authorizationState', args: [authorizer as Hex, nonce as Hex] });
    if (!used) return { used: false };
    const latest = await client.getBlockNumber();
    // up to 'latest', not to the number read: viem caches that number for seconds, and the transaction may be newer
    const range = { fromBlock: latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n, toBlock: 'latest' as const };
    const args = { authorizer: authorizer as Hex, nonce: nonce as Hex };
    const logs = await client.getLogs({ address: asset as Hex, event: AUTHORIZATION_USED, args, ...range }).catch(() => undefined);
    if (!expected) return { used: true, transaction: logs?.[0]?.transactionHash ?? undefined };
    if (logs === undefined) return { used: true }; // the log query failed: unknown
    for (const log of logs) {
      // The nonce only says "used"; the payment is the Transfer of the amount to payTo in that same transaction.
      const receipt = await client.getTransactionReceipt({ hash: log.transactionHash! });
      const transfers = parseEventLogs({ abi: TRANSFER_ABI, eventName: 'Transfer', logs: receipt.logs.filter((l) => sameAddress(l.address, asset)) });
      const paid = transfers.some(
        (t) => sameAddress(t.args.from, authorizer) && sameAddress(t.args.to, expected.payTo) && t.args.value === BigInt(expected.amount) && t.transactionHash === log.transactionHash,
      );
      if (paid) return { used: true, paid: true, transaction: log.transactionHash! };
    }
    if (logs.length > 0) return { used: true, paid: false, transaction: logs[0].transactionHash! };
    const canceled = await client.getLogs({ address: asset as Hex, event: AUTHORIZATION_CANCELED, args, ...range }).catch(() => undefined);
    if (canceled && canceled.length > 0) return { used: true, paid: false, transaction: canceled[0].transactionHash! };
    return { used: true }; // used, but not within the lookback: unknown
  }

  /**
   * Whether a Permit2 nonce (an `upto` payment, nonce as 32-byte hex) was spent: the money moved.
   * The transaction is not looked up (Permit2 emits no event per nonce).
   */
  async permit2Nonce(network: string, owner: string, nonce: string): Promise<AuthorizationOnChain> {
    const value = BigInt(nonce);
    const word = await this.rpc.get(network).readContract({ address: PERMIT2, abi: PERMIT2_ABI, functionName: 'nonceBitmap', args: [owner as Hex, value >> 8n] });
    return ((word >> (value & 255n)) & 1n) === 1n ? { used: true } : { used: false };
  }

  /**
   * Whether a mined, successful transaction moved `amount` of `asset` from `from` to `payTo` (a Transfer log of
   * the token in its receipt): true, false (mined without that transfer, or reverted), undefined (no receipt yet).
   */
  async transactionPays(network: string, hash: string, expected: ExpectedTransfer & { asset: string; from: string }): Promise<boolean | undefined> {
    const receipt = await this.rpc
      .get(network)
      .getTransactionReceipt({ hash: hash as Hex })
      .catch((error: Error) => {
        if (error.name === 'TransactionReceiptNotFoundError') return undefined;
        throw error;
      });
    if (!receipt) return undefined;
    if (receipt.status !== 'success') return false;
    const transfers = parseEventLogs({ abi: TRANSFER_ABI, eventName: 'Transfer', logs: receipt.logs.filter((l) => sameAddress(l.address, expected.asset)) });
    return transfers.some((t) => sameAddress(t.args.from, expected.from) && sameAddress(t.args.to, expected.payTo) && t.args.value === BigInt(expected.amount));
  }

  /** Timestamp (Unix seconds) of the latest block: what decides whether an authorization can still land. */
  async timestamp(network: string): Promise<bigint> {
    return (await this.rpc.get(network).getBlock({ blockTag: 'latest' })).timestamp;
  }

  /** Whether `address` holds code: a contract, or an EOA delegated to one (EIP-7702). */
  async hasCode(network: string, address: string): Promise<boolean> {
    const code = await this.rpc.get(network).getCode({ address: address as Hex });
    return code !== undefined && code !== '0x';
  }

  /** Latest block number and its age in seconds (for health checks). */
  async head(network: string): Promise<{ blockNumber: bigint; ageSeconds: number }> {
    const block = await this.rpc.get(network).getBlock({ blockTag: 'latest' });
    return { blockNumber: block.number, ageSeconds: Math.max(0, Math.floor(Date.now() / 1000) - Number(block.timestamp)) };
  }

}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
