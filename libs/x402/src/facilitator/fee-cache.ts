/** How long a fee reading is used for new transactions (a second: one or two blocks on the chains x402 runs on). */
export const FEE_TTL_MS = 1_000;

/** The fee fields and type of a transaction: `gasPrice` (legacy) or `maxFeePerGas`/`maxPriorityFeePerGas` (EIP-1559). */
export interface FeeFields {
  type?: string;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

/**
 * The signer's fees, read from the chain at most once per {@link FEE_TTL_MS} instead of once per transaction:
 * the read (viem's fee estimate, `eth_fillTransaction` where the node has it) took 5-7 ms on the devnet, on the
 * path of every settlement, before the batch could be checked at its gas price. A reading older than half the
 * TTL is refreshed in the background, so a steady flow of settlements never waits for one; concurrent askers
 * share a read, and a failed read is not remembered. viem's estimate leaves headroom over the base fee (1.2x),
 * which a reading this young stays within, and an EIP-1559 transaction pays the base fee of its block, not its cap.
 */
export class FeeCache {
  private known?: { fees: FeeFields; at: number };
  private reading?: Promise<FeeFields>;

  constructor(
    private readonly read: () => Promise<FeeFields>,
    private readonly ttlMs = FEE_TTL_MS,
  ) {}

  async get(): Promise<FeeFields> {
    const known = this.known;
    const age = known ? Date.now() - known.at : Infinity;
    if (!known || age >= this.ttlMs) return this.refresh();
    if (age >= this.ttlMs / 2) this.refresh().catch(() => undefined); // the next asker gets it
    return known.fees;
  }

  private refresh(): Promise<FeeFields> {
    if (!this.reading) {
      const at = Date.now(); // dated when asked: a slow answer is not taken as younger than it is
      this.reading = this.read()
        .then((fees) => {
          this.known = { fees, at };
          return fees;
        })
        .finally(() => (this.reading = undefined));
    }
    return this.reading;
  }
}
