import { randomBytes } from 'node:crypto';
import { TypeOrmPaymentStore } from '@nestjs-x402/core/typeorm';
import type { NewPaymentReference, ProofStore } from '@nestjs-x402/core/proofs';
import type { PaymentClaim } from '@nestjs-x402/core';
import { openTestDatabase, type TestDatabase } from './support/databases.js';

const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const hash = () => `0x${randomBytes(32).toString('hex')}`;
const referenceFor = (overrides: Partial<NewPaymentReference> = {}): NewPaymentReference => ({
  reference: randomBytes(16).toString('hex'),
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
const binding = (transaction: string) => ({ transaction, payer: PAYER, blockNumber: '11', transferred: '25000' });

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

  it('binds a transaction to one reference only, among concurrent attempts', async () => {
    const refs = Array.from({ length: 8 }, () => referenceFor());
    await proofs.createReferences(refs);
    const tx = hash();
    const results = await Promise.all(refs.map((r) => proofs.bindTransaction(r.reference, binding(tx))));
    expect(results.filter((r) => r.bound)).toHaveLength(1);
    expect(results.filter((r) => !r.bound).every((r) => !r.bound && r.conflict === 'transaction')).toBe(true);
    expect(await proofs.isTransactionTaken('eip155:31337', tx.toUpperCase().replace('0X', '0x'))).toBe(true);
    expect(await proofs.isTransactionTaken('eip155:1', tx)).toBe(false);
    // the winner again with the same hash: still bound; with another hash: refused
    const winner = refs[results.findIndex((r) => r.bound)].reference;
    expect(await proofs.bindTransaction(winner, binding(tx))).toMatchObject({ bound: true, reference: { state: 'pending', transaction: tx } });
    expect(await proofs.bindTransaction(winner, binding(hash()))).toMatchObject({ bound: false, conflict: 'reference' });
  });

  it('refuses to bind an expired or unknown reference', async () => {
    const expired = referenceFor({ expiresAt: new Date(Date.now() - 1000) });
    await proofs.createReferences([expired]);
    expect(await proofs.bindTransaction(expired.reference, binding(hash()))).toMatchObject({ bound: false, conflict: 'expired' });
    expect(await proofs.bindTransaction('0'.repeat(32), binding(hash()))).toMatchObject({ bound: false, conflict: 'unknown' });
  });

  it('lets one of many concurrent requests hold a reference, then records one receipt when it is used', async () => {
    const ref = referenceFor();
    const tx = hash();
    await proofs.createReferences([ref]);
    await proofs.bindTransaction(ref.reference, binding(tx));
    const claims = await Promise.all(Array.from({ length: 10 }, () => proofs.claimReference(ref.reference, 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    await proofs.releaseReference(ref.reference);
    expect(await proofs.claimReference(ref.reference, 60_000)).toMatchObject({ state: 'claimed' });
    const used = (await Promise.all([proofs.useReference(ref.reference), proofs.useReference(ref.reference)])).filter(Boolean);
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({ state: 'settled', scheme: 'tx-hash', amount: '25000', authorizedAmount: '20000', settledAmount: '25000', transaction: tx, payer: PAYER, nonce: ref.reference });
    expect(await proofs.findReference(ref.reference)).toMatchObject({ state: 'used', usedAt: expect.any(Date) });
    expect(await proofs.claimReference(ref.reference, 60_000)).toBeUndefined();
    expect((await payments.revenue({ by: 'route' })).find((r) => r.group === 'GET /archive/:city')).toMatchObject({ amount: '25000', payments: 1 });
  });

  it('takes a claim over once its hold expired (a crashed request)', async () => {
    const ref = referenceFor();
    await proofs.createReferences([ref]);
    await proofs.bindTransaction(ref.reference, binding(hash()));
    expect(await proofs.claimReference(ref.reference, 1)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await proofs.claimReference(ref.reference, 60_000)).toBeDefined();
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

  it('purges references that expired unpaid, and keeps those holding a transfer', async () => {
    const stale = referenceFor({ expiresAt: new Date(Date.now() - 3_600_000) });
    const paid = referenceFor({ expiresAt: new Date(Date.now() - 3_600_000) });
    await proofs.createReferences([stale, paid]);
    await db.dataSource.query(`UPDATE x402_payment_references SET state = 'pending', transaction_hash = $2 WHERE reference = $1`, [paid.reference, hash()]);
    expect(await proofs.purgeReferences(new Date(Date.now() - 60_000))).toBeGreaterThanOrEqual(1);
    expect(await proofs.findReference(stale.reference)).toBeUndefined();
    expect(await proofs.findReference(paid.reference)).toBeDefined();
  });
});
