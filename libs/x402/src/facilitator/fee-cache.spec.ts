import { describe, expect, it, jest } from '@jest/globals';
import { FeeCache, type FeeFields } from './fee-cache.js';

const fees = (gwei: number): FeeFields => ({ type: 'eip1559', maxFeePerGas: BigInt(gwei) * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n });

describe('FeeCache', () => {
  it('reads the fees once per second, refreshes in the background after half of it, and reads again once it is over', async () => {
    let gwei = 1;
    const read = jest.fn(async () => fees(gwei++));
    const cache = new FeeCache(read, 1_000);
    const now = jest.spyOn(Date, 'now').mockReturnValue(5_000);
    try {
      expect(await cache.get()).toEqual(fees(1));
      now.mockReturnValue(5_400);
      expect(await cache.get()).toEqual(fees(1)); // young: no read
      expect(read).toHaveBeenCalledTimes(1);
      now.mockReturnValue(5_600);
      expect(await cache.get()).toEqual(fees(1)); // past half the TTL: answered at once, read behind it
      await Promise.resolve();
      expect(read).toHaveBeenCalledTimes(2);
      expect(await cache.get()).toEqual(fees(2));
      now.mockReturnValue(6_700); // the second reading (asked at 5,600) is over a second old: waited for
      expect(await cache.get()).toEqual(fees(3));
      expect(read).toHaveBeenCalledTimes(3);
    } finally {
      now.mockRestore();
    }
  });

  it('shares one read among concurrent askers and does not remember a failed one', async () => {
    const read = jest.fn<() => Promise<FeeFields>>().mockRejectedValueOnce(new Error('rpc down')).mockResolvedValue(fees(2));
    const cache = new FeeCache(read);
    await expect(cache.get()).rejects.toThrow('rpc down');
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual([fees(2), fees(2), fees(2)]);
    expect(read).toHaveBeenCalledTimes(2);
  });
});
