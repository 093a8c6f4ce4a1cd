import { describe, expect, it, jest } from '@jest/globals';
import { PayerCodeCache } from './payer-code-cache.js';

const RPC = 'http://127.0.0.1:8545';

describe('PayerCodeCache', () => {
  it('reads an EOA once per 10 s, remembers code for good, and asks again after the TTL', async () => {
    const hasCode = jest.fn(async (payer: string) => payer === '0xC0de');
    const cache = new PayerCodeCache();
    const ask = (endpoint: string, payer: string) => cache.hasCode(endpoint, payer, () => hasCode(payer));
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      expect(await ask(RPC, '0xE0a')).toBe(false);
      expect(await ask(RPC, '0xe0A')).toBe(false); // same payer, any case
      expect(hasCode).toHaveBeenCalledTimes(1);
      expect(await ask(RPC, '0xC0de')).toBe(true);
      now.mockReturnValue(1_000_000 + 10_001);
      expect(await ask(RPC, '0xE0a')).toBe(false);
      expect(await ask(RPC, '0xC0de')).toBe(true);
      expect(hasCode.mock.calls.map((c) => c[0])).toEqual(['0xE0a', '0xC0de', '0xE0a']); // code is not read again
      // an error is not remembered: the caller settles first and the next request asks again
      hasCode.mockRejectedValueOnce(new Error('rpc down'));
      await expect(ask('http://other', '0xE0a')).rejects.toThrow('rpc down');
      expect(await ask('http://other', '0xE0a')).toBe(false);
    } finally {
      now.mockRestore();
    }
  });

  it('shares one read among concurrent askers (deferred mode and the verify of one new payer): one eth_getCode, not two', async () => {
    let reads = 0;
    const cache = new PayerCodeCache();
    const read = async () => (reads++, await new Promise((r) => setTimeout(r, 5)), false);
    expect(await Promise.all([cache.hasCode(RPC, '0xNew', read), cache.hasCode(RPC, '0xnew', read)])).toEqual([false, false]);
    expect(reads).toBe(1);
  });
});
