import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { PaymentRecord, RevenueRow } from '@nestjs-x402/core';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { errorOf, payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';
import { drainingFacilitator } from './support/draining-facilitator.js';
import { metricValue, parsePrometheus, type Sample } from './support/prometheus.js';

/**
 * After a run of paid requests on the devnet (served, refused by the facilitator at verification
 * and at settlement, failed in the handler), /metrics agrees with the ledger.
 */
describe('Prometheus metrics of the demo match its ledger (anvil, PostgreSQL)', () => {
  let devnet: Devnet;
  let demo: DemoHarness;
  let samples: Sample[];
  let receipts: PaymentRecord[];
  let revenue: RevenueRow[];
  const statuses: Record<string, number[]> = {};
  let verifyRefusal: string | undefined;
  let settleRefusal: string | undefined;

  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    devnet = await startDevnet({ buyers: 2 });
    const [victim, sink] = devnet.accounts.buyers;
    // settlements of `victim` are refused: it spends its balance right after verification
    const facilitator = drainingFacilitator(devnet, victim, sink);
    demo = await startDemo({}, {}, { devnet, x402: (options) => ({ ...options, facilitator: { type: 'client', client: facilitator } }) });

    const buyer = payingFetch(devnet.accounts.buyer.account);
    const record = (name: string, status: number) => (statuses[name] ??= []).push(status);
    const get = async (pay: typeof fetch, path: string, init?: RequestInit) => {
      const res = await pay(`${demo.url}${path}`, init);
      const body = await res.json().catch(() => undefined);
      return { status: res.status, body };
    };
    for (let i = 0; i < 3; i++) record('forecast', (await get(buyer, '/weather/forecast/lisbon')).status);
    record('history', (await get(buyer, '/weather/history/tokyo?days=30')).status);
    record('search', (await get(buyer, '/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'rain' }) })).status);
    record('summary', (await get(buyer, '/reports/summary')).status);
    record('challenge', (await get(fetch, '/weather/forecast/porto')).status);
    record('challenge', (await get(fetch, '/weather/forecast/porto')).status);
    const broke = await get(payingFetch(privateKeyToAccount(generatePrivateKey())), '/weather/forecast/lisbon'); // no USDC at all
    record('verify-refused', broke.status);
    verifyRefusal = errorOf(broke.body).code;
    const drained = await get(payingFetch(victim.account), '/weather/forecast/berlin');
    record('settle-refused', drained.status);
    settleRefusal = errorOf(drained.body).code;
    record('handler-error', (await get(buyer, '/weather/forecast/atlantis')).status); // the handler refuses it after verification

    const res = await fetch(`${demo.url}/metrics`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    samples = parsePrometheus(await res.text());
    receipts = (await admin<{ receipts: PaymentRecord[] }>('/admin/receipts?limit=1000')).receipts;
    revenue = (await admin<{ revenue: RevenueRow[] }>('/admin/revenue?by=route')).revenue;
  }, 120_000);

  afterAll(async () => {
    await demo?.close();
    await devnet?.stop();
  });

  it('ran the intended mix: 6 served, 2 challenges, 1 refused at verification, 1 at settlement, 1 handler error', () => {
    expect(statuses).toEqual({
      forecast: [200, 200, 200],
      history: [200],
      search: [200],
      summary: [200],
      challenge: [402, 402],
      'verify-refused': [402],
      'settle-refused': [402],
      'handler-error': [404],
    });
    expect(verifyRefusal).toMatch(/insufficient|balance|funds/);
    expect(settleRefusal).toBeTruthy();
  });

  it('revenue and settled payments per route and asset equal the ledger', () => {
    expect(revenue.map((r) => r.group).sort()).toEqual(['GET /reports/summary', 'GET /weather/forecast/:city', 'GET /weather/history/:city', 'POST /search']);
    for (const row of revenue) {
      const labels = { route: row.group, network: row.network, asset: row.asset };
      expect({ route: row.group, revenue: metricValue(samples, 'x402_revenue_atomic_total', labels), settled: metricValue(samples, 'x402_payments_settled_total', labels) }).toEqual({
        route: row.group,
        revenue: Number(row.amount),
        settled: row.payments,
      });
    }
    const settled = receipts.filter((r) => r.state === 'settled');
    expect(settled).toHaveLength(6);
    expect(metricValue(samples, 'x402_payments_settled_total')).toBe(settled.length);
    expect(metricValue(samples, 'x402_revenue_atomic_total')).toBe(settled.reduce((sum, r) => sum + Number(r.amount), 0));
    expect(metricValue(samples, 'x402_revenue_atomic_total')).toBe(3 * 10_000 + 30_000 + 20_000 + 50_000);
    expect(metricValue(samples, 'x402_settlement_duration_seconds_count')).toBe(settled.length);
    expect(metricValue(samples, 'x402_settlement_duration_seconds_sum')).toBeGreaterThan(0);
  });

  it('failures by stage and reason: settlement failures equal the failed receipts, refusals and handler errors are counted', () => {
    const failed = receipts.filter((r) => r.state === 'failed');
    const settled = receipts.filter((r) => r.state === 'settled');
    expect(failed.map((r) => [r.route, r.errorReason])).toEqual([['GET /weather/forecast/:city', settleRefusal]]);
    expect(metricValue(samples, 'x402_payments_failed_total', { stage: 'settle' })).toBe(failed.length);
    expect(metricValue(samples, 'x402_payments_failed_total', { stage: 'settle', route: 'GET /weather/forecast/:city', reason: settleRefusal! })).toBe(1);
    expect(metricValue(samples, 'x402_payments_failed_total', { stage: 'verify', route: 'GET /weather/forecast/:city', reason: verifyRefusal! })).toBe(1);
    expect(metricValue(samples, 'x402_payments_failed_total', { stage: 'handler', route: 'GET /weather/forecast/:city', reason: 'handler_error' })).toBe(1);
    // every verified payment ended one way: settled, settlement failed, or handler failed (not charged)
    expect(metricValue(samples, 'x402_payments_verified_total')).toBe(settled.length + failed.length + 1);
    expect(metricValue(samples, 'x402_facilitator_errors_total')).toBe(0);
  });

  it('counts a challenge for every request that came without a payment (each paying client asks first)', () => {
    // 6 served + 1 settle refusal + 1 verify refusal + 1 handler error each began with a 402, plus the 2 bare requests
    expect(metricValue(samples, 'x402_challenges_total', { reason: 'payment_required' })).toBe(11);
    expect(metricValue(samples, 'x402_challenges_total', { route: 'GET /weather/forecast/:city' })).toBe(3 + 2 + 2 + 1); // + the handler error
  });

  it('reads the outbox backlog and the ledger from the store at the scrape', () => {
    expect(metricValue(samples, 'x402_outbox_payments', { state: 'queued' })).toBe(0);
    expect(metricValue(samples, 'x402_outbox_payments', { state: 'settling' })).toBe(0);
    expect(metricValue(samples, 'x402_ledger_up')).toBe(1);
  });

  it('keeps /metrics behind the admin token', async () => {
    expect((await fetch(`${demo.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${demo.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});
