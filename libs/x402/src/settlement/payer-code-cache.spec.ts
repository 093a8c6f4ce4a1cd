import { describe, expect, it, jest } from '@jest/globals';
import { PayerCodeCache } from './payer-code-cache.js';

describe('PayerCodeCache', () => {
  it('reads an EOA once per 10 s, remembers code for good, and asks again after the TTL', async () => {
    const hasCode = jest.fn(async (_network: string, payer: string) => payer === '0xC0de');
    const cache = new PayerCodeCache({ hasCode });
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      expect(await cache.hasCode('eip155:8453', '0xE0a')).toBe(false);
      expect(await cache.hasCode('eip155:8453', '0xe0A')).toBe(false); // same payer, any case
      expect(hasCode).toHaveBeenCalledTimes(1);
      expect(await cache.hasCode('eip155:8453', '0xC0de')).toBe(true);
      now.mockReturnValue(1_000_000 + 10_001);
      expect(await cache.hasCode('eip155:8453', '0xE0a')).toBe(false);
      expect(await cache.hasCode('eip155:8453', '0xC0de')).toBe(true);
      expect(hasCode.mock.calls.map((c) => c[1])).toEqual(['0xE0a', '0xC0de', '0xE0a']); // code is not read again
      // an error is not remembered: the caller settles first and the next request asks again
      hasCode.mockRejectedValueOnce(new Error('rpc down'));
      await expect(cache.hasCode('eip155:1', '0xE0a')).rejects.toThrow('rpc down');
      expect(await cache.hasCode('eip155:1', '0xE0a')).toBe(false);
    } finally {
      now.mockRestore();
    }
  });
});
