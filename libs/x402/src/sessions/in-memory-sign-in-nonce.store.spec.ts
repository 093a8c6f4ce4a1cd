import { describe, expect, it } from '@jest/globals';
import { InMemorySignInNonceStore } from './in-memory-sign-in-nonce.store.js';

describe('InMemorySignInNonceStore', () => {
  const later = () => new Date(Date.now() + 60_000);

  it('consumes an issued nonce once; a nonce never issued is refused', async () => {
    const store = new InMemorySignInNonceStore();
    await store.issue('a'.repeat(32), later());
    expect(await store.consume('b'.repeat(32), new Date())).toBe(false);
    expect(await store.consume('a'.repeat(32), new Date())).toBe(true);
    expect(await store.consume('a'.repeat(32), new Date())).toBe(false);
  });

  it('refuses an expired nonce', async () => {
    const store = new InMemorySignInNonceStore();
    const expiry = later();
    await store.issue('a'.repeat(32), expiry);
    expect(await store.consume('a'.repeat(32), new Date(expiry.getTime() + 1))).toBe(false);
  });

  it('stays within maxNonces, forgetting the oldest (which are then refused) and dropping expired ones first', async () => {
    const store = new InMemorySignInNonceStore({ maxNonces: 3 });
    await store.issue('expired', new Date(Date.now() - 1));
    for (const nonce of ['n1', 'n2', 'n3', 'n4']) await store.issue(nonce, later());
    expect(store.size).toBe(3);
    expect(await store.consume('n1', new Date())).toBe(false);
    expect(await store.consume('n4', new Date())).toBe(true);
    expect(() => new InMemorySignInNonceStore({ maxNonces: 0 })).toThrow(/maxNonces/);
  });
});
