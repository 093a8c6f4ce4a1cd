/** How long a payer's "no code" answer is reused. */
export const PAYER_CODE_TTL_MS = 10_000;
/** Most payers remembered (the oldest go first). */
const MAX_PAYERS = 10_000;

/**
 * Whether a payer holds code (a contract, an EIP-7702 delegation), read from the chain at most every 10 s per
 * payer and chain endpoint: deferred mode asks on every request, the local facilitator's verify on every payment,
 * and one process-wide cache ({@link payerCodes}) makes a new payer cost one `eth_getCode`, not one per asker
 * (concurrent askers share the read). Code once seen is remembered for good (a payer with code is never deferred,
 * and is verified the reference way); an account that gains code within the 10 s is deferred at most that long,
 * within the exposure caps. A failed read is not remembered.
 *
 * @example
 * if (await payerCodes.hasCode(rpcUrl, from, () => chain.hasCode(network, from))) mode = 'authorization';
 */
export class PayerCodeCache {
  private readonly seen = new Map<string, { code: boolean; at: number }>();
  private readonly reading = new Map<string, Promise<boolean>>();

  constructor(private readonly ttlMs = PAYER_CODE_TTL_MS) {}

  /** `endpoint` names the chain the answer is about (its RPC URL): two devnets of one chain id are two chains. */
  async hasCode(endpoint: string, payer: string, read: () => Promise<boolean>): Promise<boolean> {
    const key = `${endpoint} ${payer.toLowerCase()}`;
    const known = this.seen.get(key);
    if (known && (known.code || Date.now() - known.at < this.ttlMs)) return known.code;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = read().finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    const code = await pending;
    this.seen.delete(key);
    this.seen.set(key, { code, at: Date.now() });
    if (this.seen.size > MAX_PAYERS) this.seen.delete(this.seen.keys().next().value!);
    return code;
  }
}

/** The process's payer-code cache, shared by deferred mode's check and the local facilitator's verify. */
export const payerCodes = new PayerCodeCache();
