import { randomBytes } from 'node:crypto';
import { TypeOrmPaymentStore } from '@nestjs-x402/core/typeorm';
import type { NewPaymentReference, ProofStore } from '@nestjs-x402/core/proofs';
import type { PaymentClaim } from '@nestjs-x402/core';
import { openTestDatabase, type TestDatabase } from './support/databases.js';

const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const hash = () => `0x${randomBytes(32).toString('hex')}`;
const referenceFor = (overrides: Partial<NewPaymentReference> = {}): NewPaymentReference => ({
  reference: `${randomBytes(12).toString('hex')}.31337.10.1796135427.20000.${randomBytes(16).toString('base64url').slice(0, 22)}`,
  network: 'eip155:31337',
  asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  amount: '20000',
  route: 'GET /archive/:city',
  resourceUrl: 'http://localhost/archive/berlin',
  minBlock: '10',
  expiresAt: new Date(Date.now() + 60_000),
  ...overrides,
});
const binding = (transaction: string) => ({ transaction, payer: PAYER, blockNumber: '11', transferred: '20000' });
const owner = () => randomBytes(16).toString('hex');

/** The ledger side of transaction-hash proofs and usage-based settlements, on PostgreSQL and on PGlite. */
describe.each(['postgres', 'pglite'] as const)('proof references and settled amounts on %s', (kind) => {
  let db: TestDatabase;
  let payments: TypeOrmPaymentStore;
  let proofs: ProofStore;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    payments = new TypeOrmPaymentStore(db.dataSource);
    proofs = payments.proofStore();
  }, 60_000);
  afterAll(() => db?.close());

  it('binds a transaction to one reference only, among concurrent attempts; a reference is stored only then', async () => {
    const refs = Array.from({ length: 8 }, () => referenceFor());
    expect(await proofs.findReference(refs[0].reference)).toBeUndefined();
    const tx = hash();
    const results = await Promise.all(refs.map((r) => proofs.bindTransaction(r, binding(tx))));
    expect(results.filter((r) => r.bound)).toHaveLength(1);
    expect(results.filter((r) => !r.bound).every((r) => !r.bound && r.conflict === 'transaction')).toBe(true);
    expect(await proofs.isTransactionTaken('eip155:31337', tx.toUpperCase().replace('0X', '0x'))).toBe(true);
    expect(await proofs.isTransactionTaken('eip155:1', tx)).toBe(false);
    const winner = refs[results.findIndex((r) => r.bound)];
    expect(await proofs.findReference(winner.reference)).toMatchObject({ state: 'pending', transaction: tx, payer: PAYER, amount: '20000' });
    for (const loser of refs.filter((r) => r !== winner)) expect(await proofs.findReference(loser.reference)).toBeUndefined();
    // the winner again with the same hash: still bound; with another hash: refused
    expect(await proofs.bindTransaction(winner, binding(tx))).toMatchObject({ bound: true, reference: { state: 'pending', transaction: tx } });
    expect(await proofs.bindTransaction(winner, binding(hash()))).toMatchObject({ bound: false, conflict: 'reference' });
  });

  it('lets one of many concurrent requests hold a reference, then records one receipt when its holder uses it', async () => {
    const ref = referenceFor();
    const tx = hash();
    await proofs.bindTransaction(ref, binding(tx));
    const owners = Array.from({ length: 10 }, owner);
    const claims = await Promise.all(owners.map((o) => proofs.claimReference(ref.reference, o, 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = owners[claims.findIndex(Boolean)];
    const stranger = owners.find((o) => o !== holder)!;
    await proofs.releaseReference(ref.reference, stranger); // not the holder: no effect
    expect(await proofs.claimReference(ref.reference, stranger, 60_000)).toBeUndefined();
    await proofs.releaseReference(ref.reference, holder);
    const again = owner();
    expect(await proofs.claimReference(ref.reference, again, 60_000)).toMatchObject({ state: 'claimed' });
    expect(await proofs.useReference(ref.reference, holder)).toBeUndefined(); // released, so no longer its holder
    const used = (await Promise.all([proofs.useReference(ref.reference, again), proofs.useReference(ref.reference, again)])).filter(Boolean);
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({ state: 'settled', scheme: 'tx-hash', amount: '20000', authorizedAmount: '20000', settledAmount: '20000', transaction: tx, payer: PAYER, nonce: ref.reference });
    expect(await proofs.findReference(ref.reference)).toMatchObject({ state: 'used', usedAt: expect.any(Date) });
    expect(await proofs.claimReference(ref.reference, owner(), 60_000)).toBeUndefined();
    expect((await payments.revenue({ by: 'route' })).find((r) => r.group === 'GET /archive/:city')).toMatchObject({ amount: '20000', payments: 1 });
  });

  it('takes a claim over once its hold expired (a crashed or slow request); the old holder can then neither use nor release it', async () => {
    const ref = referenceFor();
    await proofs.bindTransaction(ref, binding(hash()));
    const slow = owner();
    expect(await proofs.claimReference(ref.reference, slow, 1)).toBeDefined();
    const next = owner();
    const deadline = Date.now() + 5_000;
    let taken = await proofs.claimReference(ref.reference, next, 60_000);
    while (!taken && Date.now() < deadline) taken = await proofs.claimReference(ref.reference, next, 60_000);
    expect(taken).toBeDefined();
    expect(await proofs.useReference(ref.reference, slow)).toBeUndefined();
    await proofs.releaseReference(ref.reference, slow);
    expect(await proofs.findReference(ref.reference)).toMatchObject({ state: 'claimed' });
    expect(await proofs.useReference(ref.reference, next)).toMatchObject({ state: 'settled' });
  });

  it('records the authorized and the settled amount of a usage-based payment; the receipt amount is what moved', async () => {
    const claim: PaymentClaim = {
      key: `eip155:31337:0xasset:${PAYER}:${hash()}`.toLowerCase(),
      network: 'eip155:31337',
      asset: '0xAsset',
      payer: PAYER,
      payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      amount: '100000',
      scheme: 'upto',
      route: 'GET /bulk/forecasts',
      resourceUrl: 'http://localhost/bulk/forecasts',
      nonce: hash(),
    };
    const claimed = await payments.claim(claim);
    if (!claimed.claimed) throw new Error('not claimed');
    await payments.markSettled(claimed.record.id, hash(), undefined, { authorized: '100000', settled: '30000' });
    expect(await payments.findById(claimed.record.id)).toMatchObject({ amount: '30000', authorizedAmount: '100000', settledAmount: '30000' });
    const exact = await payments.claim({ ...claim, key: `${claim.key}:exact`, scheme: 'exact', amount: '10000' });
    if (!exact.claimed) throw new Error('not claimed');
    await payments.markSettled(exact.record.id, hash());
    expect(await payments.findById(exact.record.id)).toMatchObject({ amount: '10000', authorizedAmount: '10000', settledAmount: '10000' });
  });

  it('purges references that expired before the cut-off, in any state, and keeps the others', async () => {
    const old = new Date(Date.now() - 3_600_000);
    const pending = referenceFor({ expiresAt: old });
    const claimed = referenceFor({ expiresAt: old });
    const fresh = referenceFor();
    for (const r of [pending, claimed, fresh]) await proofs.bindTransaction(r, binding(hash()));
    await proofs.claimReference(claimed.reference, owner(), 60_000);
    expect(await proofs.purgeReferences(new Date(Date.now() - 60_000))).toBeGreaterThanOrEqual(2);
    expect(await proofs.findReference(pending.reference)).toBeUndefined();
    expect(await proofs.findReference(claimed.reference)).toBeUndefined();
    expect(await proofs.findReference(fresh.reference)).toBeDefined();
  });
});
