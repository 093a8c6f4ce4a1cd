import { describe, expect, it } from '@jest/globals';
import { TransactionReceiptNotFoundError, WaitForTransactionReceiptTimeoutError, type Hex } from 'viem';
import { waitForReceipt } from './receipt-wait.js';

const HASH = `0x${'ab'.repeat(32)}` as Hex;

/** A chain whose receipt shows up at `minedAt` ms on a fake clock; records when each look was made. */
function chainMiningAt(minedAt: number) {
  let clock = 0;
  const looks: number[] = [];
  return {
    looks,
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    getReceipt: async (hash: Hex) => {
      looks.push(clock);
      if (clock < minedAt) throw new TransactionReceiptNotFoundError({ hash });
      return { transactionHash: hash, status: 'success' as const };
    },
  };
}

describe('waitForReceipt', () => {
  it('looks at once, then after 1, 2, 4 ... ms: a receipt mined 3 ms after the send is seen at 3 ms, not 6', async () => {
    const chain = chainMiningAt(3);
    const receipt = await waitForReceipt(HASH, chain.getReceipt, { pollingIntervalMs: 250, timeoutMs: 60_000, sleep: chain.sleep, now: chain.now });
    expect(receipt.transactionHash).toBe(HASH);
    expect(chain.looks).toEqual([0, 1, 3]);
  });

  it('doubles the pause up to the polling interval, then keeps it', async () => {
    const chain = chainMiningAt(1_000);
    await waitForReceipt(HASH, chain.getReceipt, { pollingIntervalMs: 100, timeoutMs: 60_000, sleep: chain.sleep, now: chain.now });
    const pauses = chain.looks.slice(1).map((at, i) => at - chain.looks[i]);
    expect(pauses).toEqual([1, 2, 4, 8, 16, 32, 64, ...Array<number>(9).fill(100)]); // seen at 1,027 ms
  });

  it('gives up with viem timeout error once the next pause would pass the timeout, and passes other errors on', async () => {
    const chain = chainMiningAt(Infinity);
    await expect(waitForReceipt(HASH, chain.getReceipt, { pollingIntervalMs: 50, timeoutMs: 500, sleep: chain.sleep, now: chain.now })).rejects.toBeInstanceOf(
      WaitForTransactionReceiptTimeoutError,
    );
    expect(chain.looks.at(-1)).toBeLessThanOrEqual(500);
    const down = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    await expect(waitForReceipt(HASH, down, { pollingIntervalMs: 50, timeoutMs: 500, sleep: chain.sleep, now: chain.now })).rejects.toThrow('ECONNREFUSED');
  });
});
