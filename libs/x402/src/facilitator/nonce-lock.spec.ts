import { describe, expect, it } from '@jest/globals';
import { isNonceConflict, nonceLockOf } from './nonce-lock.js';

describe('nonce conflicts', () => {
  it.each([
    ['nonce too low: next nonce 7, tx nonce 5'],
    ['Nonce provided for the transaction (5) is too low'],
    ['replacement transaction underpriced'],
    ['nonce has already been used'],
  ])('retries "%s" with a fresh nonce', (message) => {
    expect(isNonceConflict(new Error('Execution failed', { cause: new Error(message) }))).toBe(true);
  });

  it('recognises viem NonceTooLowError by name', () => {
    expect(isNonceConflict(Object.assign(new Error('x'), { name: 'NonceTooLowError' }))).toBe(true);
  });

  it.each([['already known'], ['insufficient funds for gas * price + value'], ['execution reverted'], ['fetch failed']])('does not resend on "%s"', (message) => {
    expect(isNonceConflict(new Error(message))).toBe(false);
  });

  it('finds a store lock only where the store lends one', async () => {
    const calls: string[] = [];
    const lock = nonceLockOf({ nonceLock: async (key: string) => (calls.push(key), async () => void calls.push(`release ${key}`)) });
    const release = await lock!('k');
    await release();
    expect(calls).toEqual(['k', 'release k']);
    expect(nonceLockOf({})).toBeUndefined();
  });
});
