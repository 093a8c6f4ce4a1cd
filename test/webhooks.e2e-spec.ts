import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { encodePaymentSignatureHeader } from '@x402/core/http';
import type { FacilitatorClient } from '@x402/core/server';
import { FacilitatorTimeoutError, type PaymentPayload, type PaymentRequirements, type SettleResponse, type VerifyResponse } from '@x402/core/types';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { PAYMENT_STORE, Priced, X402Events, X402Module, type PaymentStore, type X402SettledEvent } from '@nestjs-x402/core';
import { TypeOrmPaymentStore } from '@nestjs-x402/core/typeorm';
import {
  InMemoryWebhookStore,
  TypeOrmWebhookStore,
  verifyX402Webhook,
  X402_WEBHOOK_STORE,
  X402WebhookRecorder,
  X402WebhooksModule,
  X402WebhooksService,
  X402WebhookWorker,
  type X402WebhookEvent,
  type X402WebhooksOptions,
  type X402WebhookStore,
} from '@nestjs-x402/core/webhooks';
import { ChainReader } from '../libs/x402/src/settlement/chain-reader.js';
import { openTestDatabase, type TestDatabase } from './support/databases.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const SECRET = 'whsec_test_0123456789abcdef';

@Controller('paid')
class PaidController {
  @Get() @Priced('0.01') paid() {
    return { ok: true };
  }
}

class FakeFacilitator implements FacilitatorClient {
  verify = jest.fn(async (_p: PaymentPayload, _r: PaymentRequirements): Promise<VerifyResponse> => ({ isValid: true, payer: PAYER }));
  settle = jest.fn(async (_p: PaymentPayload, r: PaymentRequirements): Promise<SettleResponse> => ({ success: true, transaction: `0x${'ab'.repeat(32)}`, network: r.network as `${string}:${string}`, payer: PAYER }));
  getSupported = jest.fn(async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK as `${string}:${string}` }], extensions: [], signers: {} }));
}

let nonce = 0;
function pay(accepted: PaymentRequirements): string {
  return encodePaymentSignatureHeader({
    x402Version: 2,
    accepted,
    payload: {
      signature: `0x${'11'.repeat(65)}`,
      authorization: { from: PAYER, to: accepted.payTo, value: accepted.amount, validAfter: '0', validBefore: '9999999999', nonce: `0x${(++nonce + Date.now() * 1000).toString(16).padStart(64, '0')}` },
    },
  });
}

function settled(receiptId: string = randomUUID()): X402SettledEvent {
  return { type: 'settled', route: 'GET /paid', receiptId, network: NETWORK, asset: USDC, amount: '10000', payer: PAYER, mode: 'authorization', transaction: `0x${'cd'.repeat(32)}`, latencyMs: 3 };
}

const body = (raw: Buffer) => JSON.parse(raw.toString('utf8')) as X402WebhookEvent;

/**
 * Webhooks on the real PostgreSQL: a receiving HTTP server on 127.0.0.1, payment events from paid
 * requests (a fake facilitator, no chain) or emitted on X402Events, and one or two app instances.
 */
describe('webhooks (PostgreSQL)', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  let facilitator: FakeFacilitator;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    db = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    facilitator = new FakeFacilitator();
    // the fake facilitator's settlements are taken as shown on chain (the chain URL leads nowhere)
    jest.spyOn(ChainReader.prototype, 'transactionPays').mockResolvedValue(true);
    await db.dataSource.query('DELETE FROM x402_webhook_deliveries');
    await db.dataSource.query('DELETE FROM x402_webhook_endpoints');
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    for (const app of apps.splice(0)) await app.close();
    await receiver.close();
  });

  /** One app instance on `dataSource`: the x402 module on the ledger, webhooks to the receiver. */
  async function instance(dataSource: DataSource = db.dataSource, webhooks: Partial<X402WebhooksOptions> = {}): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({
          networks: [NETWORK],
          payTo: PAY_TO,
          facilitator: { type: 'client', client: facilitator },
          publicUrl: 'https://api.example.com',
          store: new TypeOrmPaymentStore(dataSource),
          // The chain of NETWORK is "readable" (nothing listens there): a settlement that times out is kept to be reconciled.
          settlement: { rpcUrls: { [NETWORK]: 'http://127.0.0.1:9' }, deferred: { worker: false } },
        }),
        X402WebhooksModule.forRoot({
          endpoints: [{ id: 'shop', url: receiver.url, secret: SECRET }],
          store: new TypeOrmWebhookStore(dataSource),
          pollIntervalMs: 25,
          timeoutMs: 2000,
          leaseMs: 5000,
          retry: { baseDelayMs: 50, maxDelayMs: 200 },
          ...webhooks,
        }),
      ],
      controllers: [PaidController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    apps.push(app);
    return app;
  }

  const rows = async () => (await db.dataSource.query('SELECT * FROM x402_webhook_deliveries ORDER BY created_at')) as Record<string, any>[];

  it('a paid request: payment.settled arrives once the endpoint accepts it (after two 503s), signed with the endpoint secret', async () => {
    receiver.answer = (_r, i) => (i < 2 ? 503 : 204);
    const app = await instance();
    const accepted = (await request(app.getHttpServer()).get('/paid')).body.accepts[0] as PaymentRequirements;
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay(accepted)).expect(200);
    await waitFor(() => receiver.accepted().length === 1, 10_000, 'the delivery');

    expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 204]);
    expect(new Set(receiver.received.map((r) => r.raw.toString()))).toEqual(new Set([receiver.received[0].raw.toString()])); // same body each time
    const [delivered] = receiver.accepted();
    expect(delivered.headers['x402-delivery-attempt']).toBe('3');
    const event = body(delivered.raw);
    const [receipt] = await app.get<PaymentStore>(PAYMENT_STORE).findReceipts({ limit: 1 });
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      type: 'payment.settled',
      createdAt: expect.any(String),
      data: { receiptId: receipt.id, route: 'GET /paid', network: NETWORK, asset: USDC, amount: '10000', payer: PAYER, mode: 'authorization', transaction: `0x${'ab'.repeat(32)}` },
    });
    expect(delivered.headers['x402-event-id']).toBe(event.id);
    expect(delivered.headers['x402-event-type']).toBe('payment.settled');
    expect(delivered.raw.toString()).not.toMatch(/signature|nonce|"authorization":|0x1111/);

    const header = delivered.headers['x402-signature'] as string;
    expect(header).toMatch(/^t=[0-9]+,v1=[0-9a-f]{64}$/);
    expect(verifyX402Webhook(delivered.raw, header, SECRET)).toEqual({ valid: true, timestamp: expect.any(Number) });
    expect(verifyX402Webhook(delivered.raw, header, 'whsec_not-the-right-one')).toEqual({ valid: false, error: 'signature_mismatch' });
    expect(verifyX402Webhook(delivered.raw, header, SECRET, { now: Math.floor(Date.now() / 1000) + 3600 })).toEqual({ valid: false, error: 'stale_timestamp' });

    await waitFor(async () => (await rows())[0]?.state === 'delivered', 5000, 'the delivered row');
    const [row] = await rows();
    expect(row).toMatchObject({ state: 'delivered', attempts: 3, last_status: 204, last_error: null, endpoint_id: 'shop', receipt_id: receipt.id });
    expect(JSON.stringify(row)).not.toContain(SECRET);
  });

  it('pending for an uncertain settlement, failed for a refused one, proof_confirmed for a transaction-hash proof; one event per settlement', async () => {
    const app = await instance(db.dataSource, {
      endpoints: [
        { id: 'shop', url: receiver.url, secret: SECRET },
        { id: 'failures-only', url: `${receiver.url}?only=failed`, secret: SECRET, events: ['payment.failed'] },
      ],
    });
    const http = app.getHttpServer();
    const accepted = (await request(http).get('/paid')).body.accepts[0] as PaymentRequirements;
    facilitator.settle.mockRejectedValueOnce(new FacilitatorTimeoutError('settle', 10));
    await request(http).get('/paid').set('PAYMENT-SIGNATURE', pay(accepted)).expect(503); // settlement_pending: the payer is told to send the same payment again
    facilitator.settle.mockResolvedValueOnce({ success: false, errorReason: 'insufficient_funds', transaction: '', network: NETWORK });
    await request(http).get('/paid').set('PAYMENT-SIGNATURE', pay(accepted)).expect(402);

    // A transaction-hash proof: its receipt in the ledger has scheme tx-hash.
    const payments = app.get<PaymentStore>(PAYMENT_STORE);
    const claim = await payments.claim({ key: `proof-${randomUUID()}`, network: NETWORK, asset: USDC, payer: PAYER, payTo: PAY_TO, amount: '10000', scheme: 'tx-hash', route: 'GET /paid', resourceUrl: 'https://api.example.com/paid', nonce: '0x01' });
    if (!claim.claimed) throw new Error('claim');
    const events = app.get(X402Events);
    events.emit({ ...settled(claim.record.id), latencyMs: undefined });
    // The same settlement reported twice (by the request, then found on chain by the reconciler): one event.
    const twice = settled();
    events.emit(twice);
    events.emit({ ...twice, reconciled: true, latencyMs: undefined });
    await app.get(X402WebhookRecorder).flush();

    await waitFor(() => receiver.accepted().length === 5, 10_000, 'five deliveries');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const types = receiver.accepted().map((r) => body(r.raw).type).sort();
    expect(types).toEqual(['payment.failed', 'payment.failed', 'payment.pending', 'payment.proof_confirmed', 'payment.settled']);

    const all = (await rows()).map((r) => ({ endpoint: r.endpoint_id, type: r.event_type, state: r.state }));
    expect(all.filter((r) => r.endpoint === 'failures-only').map((r) => r.type)).toEqual(['payment.failed']);
    expect(all.filter((r) => r.endpoint === 'shop').map((r) => r.type).sort()).toEqual(['payment.failed', 'payment.pending', 'payment.proof_confirmed', 'payment.settled']);

    const pending = receiver.accepted().map((r) => body(r.raw)).find((e) => e.type === 'payment.pending')!;
    expect(pending.data).toMatchObject({ reason: 'facilitator_timeout', route: 'GET /paid', amount: '10000' });
    expect((await payments.findById(pending.data.receiptId))?.state).toBe('settling'); // on hold, to be reconciled from the chain
    const failed = receiver.accepted().map((r) => body(r.raw)).find((e) => e.type === 'payment.failed')!;
    expect(failed.data).toMatchObject({ reason: 'insufficient_funds' });
    expect((await payments.findById(failed.data.receiptId))?.state).toBe('failed');
    const proof = receiver.accepted().map((r) => body(r.raw)).find((e) => e.type === 'payment.proof_confirmed')!;
    expect(proof.data).toMatchObject({ receiptId: claim.record.id, transaction: `0x${'cd'.repeat(32)}` });
  });

  it('a delivery pending when the app stops is delivered once by the next app on the same database', async () => {
    receiver.answer = () => 503;
    const first = await instance(db.dataSource, { retry: { baseDelayMs: 300, maxDelayMs: 300 } });
    first.get(X402Events).emit(settled());
    await waitFor(async () => (await rows())[0]?.attempts >= 1 && (await rows())[0]?.state === 'pending', 5000, 'a failed first attempt');
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const attemptsBefore = receiver.received.length;

    receiver.answer = () => 204;
    const restarted = await db.connectAgain(); // a new process: its own connections
    await instance(restarted);
    await waitFor(() => receiver.accepted().length === 1, 5000, 'the delivery after the restart');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.accepted()).toHaveLength(1);
    expect(receiver.received.length).toBe(attemptsBefore + 1);
    expect((await rows())[0]).toMatchObject({ state: 'delivered', attempts: attemptsBefore + 1 });
  });

  it('a delivery held by a worker that died mid-attempt is taken by another worker once its hold expires', async () => {
    const recorder = await instance(db.dataSource, { worker: false });
    recorder.get(X402Events).emit(settled());
    await recorder.get(X402WebhookRecorder).flush();
    // A worker takes it for 300 ms and dies (never records the attempt).
    const [taken] = await recorder.get<X402WebhookStore>(X402_WEBHOOK_STORE).takeDue(10, 300);
    expect(taken).toMatchObject({ state: 'delivering', attempts: 1 });

    const other = await instance(await db.connectAgain());
    expect(receiver.received).toHaveLength(0);
    await waitFor(() => receiver.accepted().length === 1, 5000, 'the delivery by the other worker');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers['x402-delivery-attempt']).toBe('2');
    expect(await other.get(X402WebhooksService).get(taken.id)).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('two instances on one database deliver each event exactly once', async () => {
    receiver.delayMs = 15;
    const a = await instance(db.dataSource, { worker: false, batchSize: 3 });
    const b = await instance(await db.connectAgain(), { worker: false, batchSize: 3 });
    const count = 60;
    for (let i = 0; i < count; i++) (i % 2 ? a : b).get(X402Events).emit(settled());
    await Promise.all([a.get(X402WebhookRecorder).flush(), b.get(X402WebhookRecorder).flush()]);
    expect(await rows()).toHaveLength(count);

    const attemptsBy = [a, b].map((app) => jest.spyOn(app.get(X402WebhookWorker) as unknown as { deliver: () => Promise<void> }, 'deliver'));
    a.get(X402WebhookWorker).start();
    b.get(X402WebhookWorker).start();
    await waitFor(() => receiver.accepted().length >= count, 20_000, `${count} deliveries`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = receiver.received.map((r) => r.eventId);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    expect(receiver.received.every((r) => r.headers['x402-delivery-attempt'] === '1')).toBe(true);
    // Both workers took part (each batch of 3 is claimed by one of them), no delivery was sent by both.
    expect(attemptsBy.map((spy) => spy.mock.calls.length > 0)).toEqual([true, true]);
    expect(attemptsBy[0].mock.calls.length + attemptsBy[1].mock.calls.length).toBe(count);
    const states = await rows();
    expect(states.every((r) => r.state === 'delivered' && r.attempts === 1)).toBe(true);
  });

  it('admin: lists deliveries by state, redelivers one with the same event id, refuses unknown ids', async () => {
    receiver.answer = () => 503;
    const app = await instance(db.dataSource, { retry: { baseDelayMs: 50, maxDelayMs: 50, giveUpAfterMs: 300 } });
    app.get(X402Events).emit(settled());
    const webhooks = app.get(X402WebhooksService);
    await waitFor(async () => (await webhooks.list({ state: 'failed' })).length === 1, 5000, 'the delivery to give up');
    const [failed] = await webhooks.list({ state: 'failed' });
    expect(failed).toMatchObject({ state: 'failed', lastStatus: 503, lastError: 'http_503', endpointId: 'shop', eventType: 'payment.settled' });
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    expect(await webhooks.list({ state: 'delivered' })).toEqual([]);
    expect(await webhooks.endpoints()).toEqual([{ id: 'shop', url: receiver.url, source: 'options', events: ['payment.settled', 'payment.failed', 'payment.pending', 'payment.proof_confirmed'] }]);

    receiver.answer = () => 204;
    const again = await webhooks.redeliver(failed.id);
    expect(again).toMatchObject({ id: failed.id, state: 'pending' });
    await waitFor(() => receiver.accepted().length === 1, 5000, 'the redelivery');
    expect(receiver.accepted()[0].eventId).toBe(failed.eventId);
    await waitFor(async () => (await webhooks.get(failed.id))?.state === 'delivered', 5000, 'delivered');

    await expect(webhooks.redeliver(randomUUID())).rejects.toMatchObject({ code: 'webhook_delivery_not_found', status: 404 });
    await expect(webhooks.redeliver('not-a-uuid')).rejects.toMatchObject({ code: 'webhook_delivery_not_found' });
    // Another worker holds the delivery (the worker of this app stopped first, so it cannot take it instead).
    await app.get(X402WebhookWorker).stop();
    await app.get<X402WebhookStore>(X402_WEBHOOK_STORE).redeliver(failed.id, new Date(Date.now() + 60_000));
    expect((await app.get<X402WebhookStore>(X402_WEBHOOK_STORE).takeDue(1, 60_000)).map((d) => d.id)).toEqual([failed.id]);
    await expect(webhooks.redeliver(failed.id)).rejects.toMatchObject({ code: 'webhook_delivery_in_progress', status: 409 });
  });

  it('an endpoint added through the admin API on one instance gets the events of every instance, signed with its own secret, until removed', async () => {
    const a = await instance(db.dataSource, { endpoints: [], endpointsRefreshMs: 100 });
    const b = await instance(await db.connectAgain(), { endpoints: [], endpointsRefreshMs: 100 });
    const admin = a.get(X402WebhooksService);
    await expect(admin.addEndpoint({ url: 'ftp://nope.example' })).rejects.toMatchObject({ status: 400, code: 'invalid_webhook_endpoint' });
    await expect(admin.addEndpoint({ url: receiver.url, secret: 'short' })).rejects.toMatchObject({ status: 400, code: 'invalid_webhook_endpoint' });
    const added = await admin.addEndpoint({ id: 'crm', url: `${receiver.url}?token=abc`, events: ['payment.settled'] });
    expect(added).toEqual({ id: 'crm', url: receiver.url, source: 'admin', events: ['payment.settled'], secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{32}$/) });
    await expect(admin.addEndpoint({ id: 'crm', url: receiver.url })).rejects.toMatchObject({ status: 409, code: 'webhook_endpoint_exists' });
    expect(JSON.stringify(await b.get(X402WebhooksService).endpoints())).not.toContain(added.secret);
    expect(await b.get(X402WebhooksService).endpoints()).toEqual([{ id: 'crm', url: receiver.url, source: 'admin', events: ['payment.settled'] }]);

    await new Promise((resolve) => setTimeout(resolve, 150)); // b's cache of endpoints expires
    b.get(X402Events).emit(settled());
    await waitFor(() => receiver.accepted().length === 1, 5000, 'the delivery to the added endpoint');
    const [delivered] = receiver.accepted();
    expect(verifyX402Webhook(delivered.raw, delivered.headers['x402-signature'], added.secret).valid).toBe(true);
    expect(verifyX402Webhook(delivered.raw, delivered.headers['x402-signature'], SECRET).valid).toBe(false);

    await b.get(X402WebhooksService).removeEndpoint('crm');
    await expect(admin.removeEndpoint('crm')).rejects.toMatchObject({ status: 404, code: 'webhook_endpoint_not_found' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    a.get(X402Events).emit(settled());
    await a.get(X402WebhookRecorder).flush();
    expect(await rows()).toHaveLength(1); // no endpoint, no delivery
  });

  it('endpoints of the module options cannot be added again or removed through the admin API', async () => {
    const app = await instance();
    const admin = app.get(X402WebhooksService);
    await expect(admin.addEndpoint({ id: 'shop', url: receiver.url })).rejects.toMatchObject({ status: 409, code: 'webhook_endpoint_exists' });
    await expect(admin.removeEndpoint('shop')).rejects.toMatchObject({ status: 409, code: 'webhook_endpoint_configured' });
  });
});

/** The store's contract on both databases the ledger runs on (PGlite: one session, the demo's default). */
describe.each(['postgres', 'pglite', 'memory'] as const)('webhook store (%s)', (kind) => {
  let db: TestDatabase | undefined;
  let store: X402WebhookStore;
  beforeAll(async () => {
    if (kind === 'memory') {
      store = new InMemoryWebhookStore();
      return;
    }
    db = await openTestDatabase(kind);
    store = new TypeOrmWebhookStore(db.dataSource);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('records an event once per endpoint, leases it, records attempts, lists and redelivers', async () => {
    const retryUntil = new Date(Date.now() + 60_000);
    const delivery = { eventId: 'evt_1', eventType: 'payment.settled' as const, endpointId: 'shop', receiptId: randomUUID(), body: '{"id":"evt_1"}', retryUntil };
    expect(await store.enqueue([delivery, { ...delivery, endpointId: 'other' }])).toBe(2);
    expect(await store.enqueue([delivery])).toBe(0); // the same event for the same endpoint: already there

    const taken = await store.takeDue(10, 60_000);
    expect(taken.map((d) => [d.endpointId, d.state, d.attempts])).toEqual(expect.arrayContaining([['shop', 'delivering', 1], ['other', 'delivering', 1]]));
    expect(await store.takeDue(10, 60_000)).toEqual([]); // held
    const shop = taken.find((d) => d.endpointId === 'shop')!;
    const other = taken.find((d) => d.endpointId === 'other')!;
    expect(await store.finish(shop.id, 2, { state: 'delivered', status: 204 })).toBe(false); // not the attempt in hand
    expect(await store.finish(shop.id, 1, { state: 'delivered', status: 204 })).toBe(true);
    expect(await store.finish(shop.id, 1, { state: 'delivered', status: 204 })).toBe(false);
    expect(await store.finish(other.id, 1, { state: 'pending', status: 503, error: 'http_503', nextAttemptAt: new Date(Date.now() + 60_000) })).toBe(true);
    expect(await store.takeDue(10, 60_000)).toEqual([]); // not due yet

    expect((await store.list({ state: 'delivered' })).map((d) => d.id)).toEqual([shop.id]);
    expect(await store.findById(other.id)).toMatchObject({ state: 'pending', lastStatus: 503, lastError: 'http_503', attempts: 1, body: '{"id":"evt_1"}' });
    expect(await store.redeliver(shop.id, retryUntil)).toMatchObject({ state: 'pending' });
    expect((await store.takeDue(10, 100)).map((d) => [d.id, d.attempts])).toEqual([[shop.id, 2]]);
    expect(await store.redeliver(shop.id, retryUntil)).toBeUndefined(); // being sent
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await store.takeDue(10, 60_000)).map((d) => [d.id, d.attempts])).toEqual([[shop.id, 3]]); // its hold expired: taken again
    expect(await store.findById('nope')).toBeUndefined();
    expect(await store.list({ limit: 1 })).toHaveLength(1);

    expect(await store.finish(shop.id, 3, { state: 'delivered', status: 200 })).toBe(true);
    expect(await store.purge(new Date(Date.now() - 60_000))).toBe(0); // too recent
    expect(await store.purge(new Date(Date.now() + 1000))).toBe(1); // the delivered one; the pending one stays
    expect((await store.list()).map((d) => d.id)).toEqual([other.id]);
  });

  it('keeps endpoints added at run time, one per id', async () => {
    expect(await store.addEndpoint!({ id: 'crm', url: 'https://crm.example/x402', secret: 'whsec_0123456789abcdef', events: ['payment.settled'] })).toBe(true);
    expect(await store.addEndpoint!({ id: 'crm', url: 'https://other.example', secret: 'whsec_0123456789abcdef', events: ['payment.failed'] })).toBe(false);
    expect(await store.listEndpoints!()).toEqual([{ id: 'crm', url: 'https://crm.example/x402', secret: 'whsec_0123456789abcdef', events: ['payment.settled'], createdAt: expect.any(Date) }]);
    expect(await store.removeEndpoint!('crm')).toBe(true);
    expect(await store.removeEndpoint!('crm')).toBe(false);
    expect(await store.listEndpoints!()).toEqual([]);
  });
});
