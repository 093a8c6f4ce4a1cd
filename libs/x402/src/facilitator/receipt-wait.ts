import { TransactionReceiptNotFoundError, WaitForTransactionReceiptTimeoutError, type Hex } from 'viem';

/** The first pause between two looks for a receipt; each next one doubles, up to the polling interval. */
export const FIRST_RECEIPT_DELAY_MS = 1;

export interface ReceiptWaitOptions {
  /** The longest pause between two looks (the chain's polling interval). */
  pollingIntervalMs: number;
  /** How long to look before giving up with `WaitForTransactionReceiptTimeoutError`. */
  timeoutMs: number;
  /** Waits `ms` (a timer; replaced in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock of the timeout (`Date.now`; replaced in tests). */
  now?: () => number;
}

/**
 * Waits for the receipt of `hash`: asks at once, then again after 1, 2, 4 ... ms up to the polling interval.
 * A local chain mines a few ms after the send, later as its chain grows (`bench/chain-age.ts`): the look right
 * after the send came too early for 45% of lone payments on a new devnet, and a first pause of 2 ms then cost
 * them ~1 ms of latency (10 ms cost ~2-3 ms of p50, and a fixed interval, as viem waits one whole interval when
 * its first look finds nothing, a quarter of a second). On a chain with blocks seconds apart the early looks are
 * a handful of cheap calls more.
 *
 * @example
 * const receipt = await waitForReceipt(hash, (h) => client.getTransactionReceipt({ hash: h }), { pollingIntervalMs: 250, timeoutMs: 60_000 });
 */
export async function waitForReceipt<R>(hash: Hex, getReceipt: (hash: Hex) => Promise<R>, options: ReceiptWaitOptions): Promise<R> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  for (let delay = FIRST_RECEIPT_DELAY_MS; ; delay = Math.min(delay * 2, options.pollingIntervalMs)) {
    try {
      return await getReceipt(hash);
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
    if (now() + delay > deadline) throw new WaitForTransactionReceiptTimeoutError({ hash });
    await sleep(delay);
  }
}
