import { decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { DataSource } from 'typeorm';
import { challengeOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';
import { DATABASE_URL } from './support/databases.js';

/** The demo with its ledger on the real PostgreSQL: receipts, admin API, several instances, failing closed. */
describe('the payment ledger in the demo (PostgreSQL, anvil)', () => {
  let a: DemoHarness;
  let b: DemoHarness;
  let accepted: PaymentRequirements;
  const route = (demo: DemoHarness) => `${demo.url}/weather/forecast/lisbon`;
  const admin = (demo: DemoHarness, path: string) => fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.adminToken}` } });

  beforeAll(async () => {
    a = await startDemo({ buyers: 15 });
    b = await startDemo({}, {}, { devnet: a.devnet, schema: a.schema }); // a second instance on the same ledger and chain
    accepted = await challengeOf(route(a));
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const transfersTo = async (fromBlock: bigint) =>
    a.devnet.publicClient.getContractEvents({
      address: a.devnet.usdc.address,
      abi: a.devnet.usdc.abi,
      eventName: 'Transfer',
      args: { to: a.devnet.accounts.payTo.address },
      fromBlock,
    });

  it('two instances receiving the same payment at the same moment charge it once', async () => {
    const header = await signPayment(a.devnet.accounts.buyer.account, accepted, a.devnet.chainId);
    const block = (await a.devnet.publicClient.getBlockNumber()) + 1n;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => fetch(route(i % 2 ? a : b), { headers: { 'PAYMENT-SIGNATURE': header } })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s < 500)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(await transfersTo(block)).toHaveLength(1);
    const paid = responses.filter((r) => r.status === 200).map((r) => decodePaymentResponseHeader(r.headers.get('payment-response')!).transaction);
    expect(new Set(paid).size).toBe(1);
    const receipts = (await (await admin(a, `/admin/receipts?payer=${a.devnet.accounts.buyer.address}`)).json()).receipts;
    expect(receipts.filter((r: { transaction?: string }) => r.transaction === paid[0])).toHaveLength(1);
  });

  it('200 distinct payments from 16 concurrent clients: all served, each charged once, 200 receipts', async () => {
    const buyers = [a.devnet.accounts.buyer, ...a.devnet.accounts.buyers];
    expect(buyers).toHaveLength(16);
    const since = new Date().toISOString();
    const block = (await a.devnet.publicClient.getBlockNumber()) + 1n;
    const statuses: number[] = [];
    await Promise.all(
      buyers.map(async (buyer, client) => {
        for (let i = client; i < 200; i += 16) {
          const header = await signPayment(buyer.account, accepted, a.devnet.chainId);
          const res = await fetch(route(i % 2 ? a : b), { headers: { 'PAYMENT-SIGNATURE': header } });
          statuses.push(res.status);
          await res.arrayBuffer();
        }
      }),
    );
    expect(statuses).toEqual(Array(200).fill(200));
    expect(await transfersTo(block)).toHaveLength(200);
    const receipts = (await (await admin(a, `/admin/receipts?from=${since}&route=${encodeURIComponent('GET /weather/forecast/:city')}&limit=1000`)).json()).receipts;
    expect(receipts.filter((r: { state: string }) => r.state === 'settled')).toHaveLength(200);
    // payments that arrive together share a transaction (group commit): each holds as many receipts as transfers
    const count = (hashes: string[]) => hashes.reduce((m, h) => m.set(h, (m.get(h) ?? 0) + 1), new Map<string, number>());
    const moved = count((await transfersTo(block)).map((t) => t.transactionHash));
    expect(count(receipts.map((r: { transaction: string }) => r.transaction))).toEqual(moved);
  });

  it('the admin API needs the bearer token and sums revenue per route and day', async () => {
    expect((await fetch(`${a.url}/admin/receipts`)).status).toBe(401);
    expect((await fetch(`${a.url}/admin/receipts`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const byRoute = (await (await admin(b, '/admin/revenue?by=route')).json()).revenue;
    const forecast = byRoute.find((r: { group: string }) => r.group === 'GET /weather/forecast/:city');
    expect(forecast.payments).toBe(201);
    expect(forecast.amount).toBe(String(201 * 10_000));
    const byDay = (await (await admin(a, '/admin/revenue?by=day')).json()).revenue;
    expect(byDay[0]).toMatchObject({ group: new Date().toISOString().slice(0, 10), payments: 201 });
    expect((await admin(a, '/admin/revenue?by=week')).status).toBe(400);
    expect((await admin(a, '/admin/receipts?from=yesterday')).status).toBe(400);
  });

  it('fails closed with 503 ledger_unavailable when the ledger table is gone, and recovers', async () => {
    const db = new DataSource({ type: 'postgres', url: DATABASE_URL });
    await db.initialize();
    try {
      await db.query(`ALTER TABLE ${a.schema}.x402_payments RENAME TO x402_payments_away`);
      const before = await a.devnet.balanceOf(a.devnet.accounts.payTo.address);
      const header = await signPayment(a.devnet.accounts.buyer.account, accepted, a.devnet.chainId);
      const res = await fetch(route(a), { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('ledger_unavailable');
      expect(await a.devnet.balanceOf(a.devnet.accounts.payTo.address)).toBe(before);
      await db.query(`ALTER TABLE ${a.schema}.x402_payments_away RENAME TO x402_payments`);
      expect((await fetch(route(a), { headers: { 'PAYMENT-SIGNATURE': header } })).status).toBe(200);
    } finally {
      await db.query(`ALTER TABLE IF EXISTS ${a.schema}.x402_payments_away RENAME TO x402_payments`).catch(() => undefined);
      await db.destroy();
    }
  });
});
