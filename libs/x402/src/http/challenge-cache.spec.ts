import { jest } from '@jest/globals';
import { ChallengeCache } from './challenge-cache.js';

describe('ChallengeCache', () => {
  const built = (header: string) => ({ header, body: { x402Version: 2 } });

  it('builds a challenge once per offer and key', () => {
    const cache = new ChallengeCache();
    const offer = {};
    const build = jest.fn(() => built('a'));
    expect(cache.get(offer, 'https://api/x', build)).toBe(cache.get(offer, 'https://api/x', build));
    expect(build).toHaveBeenCalledTimes(1);
    cache.get(offer, 'https://api/y', build);
    cache.get({}, 'https://api/x', build); // another (rebuilt) offer
    expect(build).toHaveBeenCalledTimes(3);
  });

  it('keeps at most maxPerOffer keys per offer, dropping the oldest', () => {
    const cache = new ChallengeCache(2);
    const offer = {};
    const build = jest.fn((key: string) => built(key));
    for (const key of ['a', 'b', 'c']) cache.get(offer, key, () => build(key));
    cache.get(offer, 'c', () => build('c'));
    cache.get(offer, 'b', () => build('b'));
    expect(build).toHaveBeenCalledTimes(3);
    cache.get(offer, 'a', () => build('a')); // was dropped
    expect(build).toHaveBeenCalledTimes(4);
  });
});
