import type { ChainReader } from './chain-reader.js';

/** How long a payer's "no code" answer is reused. */
const TTL_MS = 10_000;
/** Most payers remembered (the oldest go first). */
const MAX_PAYERS = 10_000;

/**
 * Whether a payer holds code (a contract, an EIP-7702 delegation), read from the chain at most every 10 s per
 * payer: deferred mode asks on every request, and an `eth_getCode` per request was the one RPC round trip on its
 * response path. Code once seen is remembered for good (a payer with code is never deferred); an account that
 * gains code within the 10 s is deferred at most that long, within the exposure caps.
 *
 * @example
 * if (await payers.hasCode('eip155:8453', from)) mode = 'authorization';
 */
export class PayerCodeCache {
  private readonly seen = new Map<string, { code: boolean; at: number }>();

  constructor(private readonly chain: Pick<ChainReader, 'hasCode'>) {}

  async hasCode(network: string, payer: string): Promise<boolean> {
    const key = `${network}:${payer.toLowerCase()}`;
    const known = this.seen.get(key);
    if (known && (known.code || Date.now() - known.at < TTL_MS)) return known.code;
    const code = await this.chain.hasCode(network, payer);
    this.seen.delete(key);
    this.seen.set(key, { code, at: Date.now() });
    if (this.seen.size > MAX_PAYERS) this.seen.delete(this.seen.keys().next().value!);
    return code;
  }
}
