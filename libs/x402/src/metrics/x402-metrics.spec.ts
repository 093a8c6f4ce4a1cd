import { type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import type { FacilitatorClient } from '@x402/core/server';
import { Registry } from 'prom-client';
import { X402Events } from '../events/x402.events.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import type { PaymentStore } from '../ledger/payment-store.interface.js';
import { X402Module } from '../x402.module.js';
import { X402MetricsModule } from './x402-metrics.module.js';
import { X402MetricsService } from './x402-metrics.service.js';
import type { X402MetricsOptions } from './x402-metrics.options.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const facts = { route: 'GET /paid', network: NETWORK, asset: USDC, payer: PAYER, mode: 'authorization' as const };

const facilitator: FacilitatorClient = {
  verify: async () => ({ isValid: true }),
  settle: async () => ({ success: true, transaction: '0x1', network: NETWORK }),
  getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
};

/** `name{a="1",b="2"} value` lines of a Prometheus text exposition, as `{ 'name{a="1",b="2"}': value }`. */
function samples(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at), Number(line.slice(at + 1))];
      }),
  );
}

describe('X402MetricsModule', () => {
  let app: INestApplication;
  let store: PaymentStore;

  async function start(options: X402MetricsOptions = {}, paymentStore: PaymentStore = new InMemoryPaymentStore()) {
    store = paymentStore;
    const moduleRef = await Test.createTestingModule({
      imports: [X402Module.forRoot({ networks: [NETWORK], payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitator: { type: 'client', client: facilitator }, store }), X402MetricsModule.forRoot(options)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { events: app.get(X402Events), metrics: app.get(X402MetricsService) };
  }
  afterEach(() => app?.close());

  it('counts challenges, payments and revenue per route and asset, and observes settlement latency', async () => {
    const { events, metrics } = await start();
    events.emit({ type: 'challenge', route: 'GET /paid', reason: 'payment_required' });
    events.emit({ type: 'challenge', route: 'GET /paid', reason: 'payment_required' });
    for (const [id, amount, latencyMs] of [['a', '10000', 12], ['b', '30000', 700]] as const) {
      events.emit({ type: 'verified', ...facts, receiptId: id, amount });
      events.emit({ type: 'settled', ...facts, receiptId: id, amount, transaction: `0x${id}`, latencyMs });
    }
    events.emit({ type: 'settled', ...facts, route: 'GET /other', receiptId: 'c', amount: '5', transaction: '0xc', reconciled: true });
    events.emit({ type: 'replayed', ...facts, receiptId: 'a', amount: '10000' });
    const s = samples(await metrics.metrics());
    expect(s['x402_challenges_total{route="GET /paid",reason="payment_required"}']).toBe(2);
    expect(s[`x402_payments_verified_total{route="GET /paid",network="${NETWORK}",asset="${USDC}",mode="authorization"}`]).toBe(2);
    expect(s[`x402_payments_settled_total{route="GET /paid",network="${NETWORK}",asset="${USDC}",mode="authorization"}`]).toBe(2);
    expect(s[`x402_revenue_atomic_total{route="GET /paid",network="${NETWORK}",asset="${USDC}"}`]).toBe(40000);
    expect(s[`x402_revenue_atomic_total{route="GET /other",network="${NETWORK}",asset="${USDC}"}`]).toBe(5);
    expect(s['x402_payments_replayed_total{route="GET /paid"}']).toBe(1);
    // a reconciled settlement has no settle call to time
    expect(s[`x402_settlement_duration_seconds_count{network="${NETWORK}",mode="authorization"}`]).toBe(2);
    expect(s[`x402_settlement_duration_seconds_bucket{le="0.025",network="${NETWORK}",mode="authorization"}`]).toBe(1);
    expect(s[`x402_settlement_duration_seconds_sum{network="${NETWORK}",mode="authorization"}`]).toBeCloseTo(0.712);
  });

  it('counts failures by stage and reason, facilitator and RPC errors; free-text reasons become "other"', async () => {
    const { events, metrics } = await start();
    events.emit({ type: 'failed', route: 'GET /paid', stage: 'verify', reason: 'insufficient_funds', status: 402 });
    events.emit({ type: 'failed', route: 'GET /paid', stage: 'verify', reason: 'insufficient_funds', status: 402 });
    events.emit({ type: 'failed', route: 'GET /paid', stage: 'handler', reason: 'handler_error', status: 404 });
    events.emit({ type: 'failed', route: 'GET /paid', stage: 'settle', reason: 'the facilitator said: "no" <html>', status: 402 });
    events.emit({ type: 'facilitator_error', operation: 'settle', code: 'facilitator_timeout', status: 504 });
    events.emit({ type: 'rpc_error', operation: 'verify', network: NETWORK });
    const s = samples(await metrics.metrics());
    expect(s['x402_payments_failed_total{route="GET /paid",stage="verify",reason="insufficient_funds"}']).toBe(2);
    expect(s['x402_payments_failed_total{route="GET /paid",stage="handler",reason="handler_error"}']).toBe(1);
    expect(s['x402_payments_failed_total{route="GET /paid",stage="settle",reason="other"}']).toBe(1);
    expect(s['x402_facilitator_errors_total{operation="settle",code="facilitator_timeout"}']).toBe(1);
    expect(s[`x402_rpc_errors_total{operation="verify",network="${NETWORK}"}`]).toBe(1);
    expect(await metrics.failureCounts()).toEqual([
      { stage: 'verify', reason: 'insufficient_funds', route: 'GET /paid', count: 2 },
      { stage: 'handler', reason: 'handler_error', route: 'GET /paid', count: 1 },
      { stage: 'settle', reason: 'other', route: 'GET /paid', count: 1 },
    ]);
  });

  it('reads the outbox backlog from the ledger at each scrape, and reports a failing ledger as ledger_up 0', async () => {
    const { metrics } = await start();
    let s = samples(await metrics.metrics());
    expect([s['x402_outbox_payments{state="queued"}'], s['x402_outbox_payments{state="settling"}'], s.x402_ledger_up]).toEqual([0, 0, 1]);
    const claimed = await store.claim({ key: 'k1', ...facts, payTo: USDC, amount: '10000', scheme: 'exact', resourceUrl: 'http://x/paid', nonce: '0x01', mode: 'deferred' });
    if (!claimed.claimed) throw new Error('not claimed');
    await store.markQueued(claimed.record.id, { payload: {}, requirements: {} }, new Date(Date.now() + 60_000));
    s = samples(await metrics.metrics());
    expect(s['x402_outbox_payments{state="queued"}']).toBe(1);
    expect(s.x402_outbox_oldest_unsettled_age_seconds).toBeGreaterThanOrEqual(0);
    jest.spyOn(store, 'outboxStats').mockRejectedValue(new Error('connection refused'));
    jest.spyOn((metrics as unknown as { logger: { warn: () => void } }).logger, 'warn').mockImplementation(() => undefined);
    s = samples(await metrics.metrics());
    expect(s.x402_ledger_up).toBe(0);
  });

  it('registers on a given registry with a given prefix, and stops counting once the app is closed', async () => {
    const registry = new Registry();
    const { events } = await start({ registry, prefix: 'shop_' });
    events.emit({ type: 'challenge', route: 'GET /paid', reason: 'payment_required' });
    expect(samples(await registry.metrics())['shop_challenges_total{route="GET /paid",reason="payment_required"}']).toBe(1);
    await app.close();
    events.emit({ type: 'challenge', route: 'GET /paid', reason: 'payment_required' });
    expect(samples(await registry.metrics())['shop_challenges_total{route="GET /paid",reason="payment_required"}']).toBe(1);
    app = undefined as never;
  });
});
