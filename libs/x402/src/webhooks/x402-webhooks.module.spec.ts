import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { FacilitatorClient } from '@x402/core/server';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X402Events } from '../events/x402.events.js';
import type { X402Event } from '../events/x402-event.types.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { X402Module } from '../x402.module.js';
import { InMemoryWebhookStore } from './in-memory-webhook.store.js';
import { toWebhookEvent } from './webhook-event.js';
import { verifyX402Webhook } from './webhook-signature.js';
import { X402WebhookRecorder } from './x402-webhook.recorder.js';
import { X402WebhooksModule } from './x402-webhooks.module.js';
import { resolveWebhooksConfig } from './x402-webhooks.options.js';
import { X402WebhooksService } from './x402-webhooks.service.js';

const NETWORK = 'eip155:8453';
const facts = { route: 'GET /a', receiptId: 'r1', network: NETWORK, asset: '0xA', amount: '10', payer: '0xP', mode: 'authorization' as const };
const SECRET = 'whsec_0123456789abcdef';

describe('toWebhookEvent', () => {
  it('maps settlements and settlement failures; nothing else', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(toWebhookEvent({ type: 'settled', ...facts, transaction: '0x1', latencyMs: 3 }, {}, now)).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      type: 'payment.settled',
      createdAt: '2026-12-01T00:00:00.000Z',
      data: { ...facts, transaction: '0x1' },
    });
    expect(toWebhookEvent({ type: 'settled', ...facts, transaction: '0x1' }, { proof: true })?.type).toBe('payment.proof_confirmed');
    expect(toWebhookEvent({ type: 'failed', stage: 'settle', reason: 'insufficient_funds', status: 402, ...facts })).toMatchObject({ type: 'payment.failed', data: { reason: 'insufficient_funds' } });
    expect(toWebhookEvent({ type: 'failed', stage: 'settle', reason: 'facilitator_timeout', status: 504, ...facts }, { uncertain: true })?.type).toBe('payment.pending');
    const ignored: X402Event[] = [
      { type: 'challenge', route: 'GET /a', reason: 'payment_required' },
      { type: 'verified', ...facts },
      { type: 'replayed', ...facts },
      { type: 'failed', stage: 'verify', reason: 'invalid_payment_header', status: 400, route: 'GET /a' },
      { type: 'failed', stage: 'verify', reason: 'insufficient_funds', status: 402, ...facts },
      { type: 'failed', stage: 'handler', reason: 'handler_error', status: 500, ...facts },
      { type: 'facilitator_error', operation: 'settle', code: 'facilitator_timeout', status: 504 },
    ];
    for (const event of ignored) expect(toWebhookEvent(event)).toBeUndefined();
  });

  it('gives a settlement one id per payment, and each failure its own', () => {
    const a = toWebhookEvent({ type: 'settled', ...facts, transaction: '0x1', latencyMs: 3 })!;
    const b = toWebhookEvent({ type: 'settled', ...facts, transaction: '0x1', reconciled: true })!;
    expect(a.id).toBe(b.id);
    expect(toWebhookEvent({ type: 'settled', ...facts, receiptId: 'r2', transaction: '0x1' })!.id).not.toBe(a.id);
    const failure = { type: 'failed', stage: 'settle', reason: 'x', status: 402, ...facts } as const;
    expect(toWebhookEvent(failure)!.id).not.toBe(toWebhookEvent(failure)!.id);
  });
});

describe('resolveWebhooksConfig', () => {
  it('applies defaults', () => {
    const config = resolveWebhooksConfig({ endpoints: [{ url: 'https://shop.example/hook?token=abc', secret: SECRET }] });
    expect(config).toMatchObject({ worker: true, pollIntervalMs: 1000, batchSize: 10, timeoutMs: 10_000, leaseMs: 30_000, retry: { baseDelayMs: 10_000, maxDelayMs: 3_600_000, giveUpAfterMs: 86_400_000 } });
    expect(config.endpoints[0].id).toBe('https://shop.example/hook'); // no query (it may carry a token)
    expect([...config.endpoints[0].events]).toEqual(['payment.settled', 'payment.failed', 'payment.pending', 'payment.proof_confirmed']);
  });

  it.each([
    [{ endpoints: [{ url: 'not a url', secret: SECRET }] }, 'endpoints[0].url'],
    [{ endpoints: [{ url: 'ftp://shop.example', secret: SECRET }] }, 'endpoints[0].url'],
    [{ endpoints: [{ url: 'https://user:pw@shop.example', secret: SECRET }] }, 'endpoints[0].url'],
    [{ endpoints: [{ url: 'https://shop.example', secret: SECRET, events: [] }] }, 'endpoints[0].events'],
    [{ endpoints: [{ url: 'https://shop.example', secret: 'short-secret' }] }, 'endpoints[0].secret'],
    [{ endpoints: [{ url: 'https://shop.example', secret: SECRET, events: ['payment.refunded'] }] }, 'endpoints[0].events'],
    [{ endpoints: [{ url: 'https://a.example', secret: SECRET, id: 'x' }, { url: 'https://b.example', secret: SECRET, id: 'x' }] }, 'endpoints[1].id'],
    [{ endpoints: [], timeoutMs: 0 }, 'timeoutMs'],
    [{ endpoints: [], timeoutMs: 5000, leaseMs: 5000 }, 'leaseMs'],
    [{ endpoints: [], retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs'],
  ])('fails fast on %j, naming %s and never the secret', (options, option) => {
    let message = '';
    try {
      resolveWebhooksConfig(options as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`"${option}"`);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('short-secret');
  });
});

describe('X402WebhookRecorder', () => {
  it('retries recording while the store fails, and records the event once it answers', async () => {
    let failures = 1;
    class FlakyStore extends InMemoryWebhookStore {
      override async enqueue(...args: Parameters<InMemoryWebhookStore['enqueue']>) {
        if (failures-- > 0) throw new Error('connection terminated');
        return super.enqueue(...args);
      }
    }
    const store = new FlakyStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({ networks: [NETWORK], payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitator: { type: 'client', client: { verify: async () => ({ isValid: false }), settle: async () => ({ success: false }), getSupported: async () => ({ kinds: [] }) } as unknown as FacilitatorClient } }),
        X402WebhooksModule.forRoot({ endpoints: [{ url: 'http://127.0.0.1:9/hook', secret: SECRET }], store, worker: false }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      app.get(X402Events).emit({ type: 'settled', ...facts, transaction: '0x1' });
      await app.get(X402WebhookRecorder).flush();
      expect(await store.list()).toMatchObject([{ state: 'pending', eventType: 'payment.settled', receiptId: 'r1' }]);
    } finally {
      await app.close();
    }
  });
});

describe('X402WebhookRecorder without endpoints', () => {
  it('reads nothing from the ledger for an event while no endpoint exists, and does once one is added', async () => {
    let reads = 0;
    class CountingStore extends InMemoryPaymentStore {
      override async findById(id: string) {
        reads++;
        return super.findById(id);
      }
    }
    const store = new InMemoryWebhookStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({ networks: [NETWORK], payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', store: new CountingStore(), facilitator: { type: 'client', client: { verify: async () => ({ isValid: false }), settle: async () => ({ success: false }), getSupported: async () => ({ kinds: [] }) } as unknown as FacilitatorClient } }),
        X402WebhooksModule.forRoot({ endpoints: [], store, worker: false }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const recorder = app.get(X402WebhookRecorder);
      app.get(X402Events).emit({ type: 'settled', ...facts, transaction: '0x1' });
      await recorder.flush();
      expect(reads).toBe(0); // before: one ledger read per settled payment, webhooks or not
      await app.get(X402WebhooksService).addEndpoint({ url: 'http://127.0.0.1:9/hook' });
      app.get(X402Events).emit({ type: 'settled', ...facts, receiptId: 'r2', transaction: '0x2' });
      await recorder.flush();
      expect(reads).toBe(1);
      expect(await store.list()).toMatchObject([{ eventType: 'payment.settled', receiptId: 'r2' }]);
    } finally {
      await app.close();
    }
  });
});

/** Apps without the TypeORM ledger: the in-memory stores (default). */
describe('X402WebhooksModule with the in-memory stores', () => {
  let app: INestApplication | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await app?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('delivers a settlement, signed, and lists it', async () => {
    const received: { raw: string; signature: string }[] = [];
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        received.push({ raw, signature: String(req.headers['x402-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({ networks: [NETWORK], payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitator: { type: 'client', client: { verify: async () => ({ isValid: false }), settle: async () => ({ success: false }), getSupported: async () => ({ kinds: [] }) } as unknown as FacilitatorClient }, store: new InMemoryPaymentStore() }),
        X402WebhooksModule.forRoot({ endpoints: [{ url, secret: SECRET }], pollIntervalMs: 20 }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    app.get(X402Events).emit({ type: 'settled', ...facts, transaction: '0x1' });
    await app.get(X402WebhookRecorder).flush();
    for (let i = 0; i < 250 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toHaveLength(1);
    expect(verifyX402Webhook(received[0].raw, received[0].signature, SECRET).valid).toBe(true);
    expect(JSON.parse(received[0].raw)).toMatchObject({ type: 'payment.settled', data: { receiptId: 'r1', transaction: '0x1' } });
    for (let i = 0; i < 50 && (await app.get(X402WebhooksService).list({ state: 'delivered' })).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await app.get(X402WebhooksService).list()).toMatchObject([{ state: 'delivered', attempts: 1, endpointId: url }]);
  });
});
