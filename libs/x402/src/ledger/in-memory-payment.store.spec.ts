import { InMemoryPaymentStore } from './in-memory-payment.store.js';
import type { PaymentClaim } from './payment-store.interface.js';

const claimFor = (n: number): PaymentClaim => ({
  key: `eip155:8453:0xasset:0xpayer:${n}`,
  network: 'eip155:8453',
  asset: '0xAsset',
  payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  amount: '10000',
  scheme: 'exact',
  route: 'GET /paid',
  resourceUrl: 'http://localhost/paid',
  nonce: `0x${n.toString(16).padStart(64, '0')}`,
});

describe('InMemoryPaymentStore', () => {
  it('keeps at most maxRecords payments, dropping the oldest finished ones, never one in flight', async () => {
    const store = new InMemoryPaymentStore({ maxRecords: 10 });
    const inFlight = await store.claim(claimFor(0));
    if (!inFlight.claimed) throw new Error('not claimed');
    for (let n = 1; n <= 200; n++) {
      const result = await store.claim(claimFor(n));
      if (!result.claimed) throw new Error('not claimed');
      if (n % 2) await store.markSettled(result.record.id, `0x${n}`);
      else await store.markFailed(result.record.id, 'settlement_failed');
    }
    const kept = await store.findReceipts({ limit: 1000 });
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(await store.findById(inFlight.record.id)).toMatchObject({ state: 'verified' });
    expect(await store.findByKey(claimFor(200).key)).toMatchObject({ state: 'failed' }); // the newest stay
  });

  it('refuses a maxRecords that is not a positive integer', () => {
    for (const maxRecords of [0, -1, 1.5, NaN]) expect(() => new InMemoryPaymentStore({ maxRecords })).toThrow(/maxRecords/);
  });

  it('reserves deferred exposure with the claim (verified claims count) and bars a payer whose deferred payment failed', async () => {
    const store = new InMemoryPaymentStore();
    const caps = { perPayer: '50000', total: '100000' };
    const payerOf = (i: number) => (i < 15 ? '0x1000000000000000000000000000000000000001' : `0x100000000000000000000000000000000000000${2 + (i % 2)}`);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.claim({ ...claimFor(i), payer: payerOf(i), mode: 'deferred' }, { deferredCaps: caps })));
    const modes = results.map((r) => (r.claimed ? r.record.mode : 'refused'));
    expect(modes.slice(0, 15).filter((m) => m === 'deferred')).toHaveLength(5);
    expect(modes.filter((m) => m === 'deferred')).toHaveLength(10);
    const first = results[0];
    if (!first.claimed) throw new Error('not claimed');
    await store.markFailed(first.record.id, 'invalid_exact_evm_insufficient_balance');
    expect(await store.claim({ ...claimFor(0), payer: payerOf(0), mode: 'deferred' }, { deferredCaps: caps })).toMatchObject({ claimed: false, existing: { state: 'failed' } });
    const other = '0x1000000000000000000000000000000000000009';
    expect(await store.claim({ ...claimFor(100), payer: other, mode: 'deferred' }, { deferredCaps: caps })).toMatchObject({ record: { mode: 'authorization' } }); // the total is full
    for (const r of results.slice(1)) if (r.claimed) await store.release(r.record.id);
    expect(await store.claim({ ...claimFor(101), payer: payerOf(0), mode: 'deferred' }, { deferredCaps: caps })).toMatchObject({ record: { mode: 'authorization' } }); // barred
    expect(await store.claim({ ...claimFor(102), payer: other, mode: 'deferred' }, { deferredCaps: caps })).toMatchObject({ record: { mode: 'deferred' } });
    await store.purge(new Date(Date.now() + 60_000));
    expect(await store.findById(first.record.id)).toMatchObject({ state: 'failed', mode: 'deferred' }); // kept: it holds exposure
  });
});
