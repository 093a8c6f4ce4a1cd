import { parseAbi, parseAbiItem, type Hex } from 'viem';
import { RpcClients } from './rpc-clients.js';

const EIP3009_ABI = parseAbi(['function authorizationState(address authorizer, bytes32 nonce) view returns (bool)']);
const AUTHORIZATION_USED = parseAbiItem('event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)');
const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
const PERMIT2_ABI = parseAbi(['function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)']);

/** How far back to look for the transaction that used an authorization (blocks). */
const LOOKBACK_BLOCKS = 10_000n;

/** What the chain says about one EIP-3009 authorization. */
export type AuthorizationOnChain = { used: false } | { used: true; transaction?: string };

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

  async authorization(network: string, asset: string, authorizer: string, nonce: string): Promise<AuthorizationOnChain> {
    const client = this.rpc.get(network);
    const used = await client.readContract({ address: asset as Hex, abi: EIP3009_ABI, functionName: 'authorizationState', args: [authorizer as Hex, nonce as Hex] });
    if (!used) return { used: false };
    const latest = await client.getBlockNumber();
    const logs = await client
      .getLogs({ address: asset as Hex, event: AUTHORIZATION_USED, args: { authorizer: authorizer as Hex, nonce: nonce as Hex }, fromBlock: latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n, toBlock: latest })
      .catch(() => []);
    return { used: true, transaction: logs[0]?.transactionHash ?? undefined };
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

  /** Timestamp (Unix seconds) of the latest block: what decides whether an authorization can still land. */
  async timestamp(network: string): Promise<bigint> {
    return (await this.rpc.get(network).getBlock({ blockTag: 'latest' })).timestamp;
  }

  /** Latest block number and its age in seconds (for health checks). */
  async head(network: string): Promise<{ blockNumber: bigint; ageSeconds: number }> {
    const block = await this.rpc.get(network).getBlock({ blockTag: 'latest' });
    return { blockNumber: block.number, ageSeconds: Math.max(0, Math.floor(Date.now() / 1000) - Number(block.timestamp)) };
  }

}
