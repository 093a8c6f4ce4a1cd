import { BadRequestException, Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { encodePaymentSignatureHeader } from '@x402/core/http';
import type { FacilitatorClient } from '@x402/core/server';
import { FacilitatorTimeoutError, type PaymentPayload, type PaymentRequirements, type SettleResponse, type VerifyResponse } from '@x402/core/types';
import request from 'supertest';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { Priced } from '../http/priced.decorator.js';
import { X402OutboxWorker } from '../settlement/outbox.worker.js';
import { ChainReader } from '../settlement/chain-reader.js';
import { X402Module } from '../x402.module.js';
import { SignedPaymentMethod } from '../methods/signed/signed-payment.method.js';
import type { X402Event } from './x402-event.types.js';
import { X402Events } from './x402.events.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

describe('X402Events', () => {
  it('delivers every event to catch-all listeners and typed events to typed ones, until unsubscribed', () => {
    const events = new X402Events();
    const all: string[] = [];
    const settled: string[] = [];
    const offAll = events.on((e) => all.push(e.type));
    const offSettled = events.on('settled', (e) => settled.push(e.transaction));
    events.emit({ type: 'challenge', route: 'GET /a', reason: 'payment_required' });
    events.emit({ type: 'settled', route: 'GET /a', receiptId: 'r1', network: NETWORK, asset: USDC, amount: '1', payer: PAYER, mode: 'authorization', transaction: '0x1' });
    expect(all).toEqual(['challenge', 'settled']);
    expect(settled).toEqual(['0x1']);
    expect(events.listenerCount).toBe(2);
    offAll();
    offSettled();
    events.emit({ type: 'challenge', route: 'GET /a', reason: 'payment_required' });
    expect(all).toHaveLength(2);
    expect(events.listenerCount).toBe(0);
  });

  it('never lets a listener throw into the emitter, and logs a broken listener once', async () => {
    const events = new X402Events();
    const warn = jest.spyOn((events as unknown as { logger: { warn: (m: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    const seen: string[] = [];
    events.on(() => {
      throw new Error('boom');
    });
    events.on(async () => {
      throw new Error('async boom');
    });
    events.on((e) => seen.push(e.type));
    for (let i = 0; i < 3; i++) expect(() => events.emit({ type: 'challenge', route: 'GET /a', reason: 'payment_required' })).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['challenge', 'challenge', 'challenge']);
    expect(warn).toHaveBeenCalledTimes(2); // once per broken listener, not once per event
    expect(warn.mock.calls.map(([m]) => m).join('\n')).toMatch(/boom[\s\S]*async boom/);
  });
});

let handlerFails = false;

@Controller('paid')
class PaidController {
  @Get() @Priced('0.01') paid() {
    if (handlerFails) throw new BadRequestException('bad input');
    return { ok: true };
  }
}

class FakeFacilitator implements FacilitatorClient {
  verify = jest.fn(async (_p: PaymentPayload, _r: PaymentRequirements): Promise<VerifyResponse> => ({ isValid: true, payer: PAYER }));
  settle = jest.fn(async (_p: PaymentPayload, r: PaymentRequirements): Promise<SettleResponse> => ({ success: true, transaction: '0xabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca', network: r.network as `${string}:${string}`, payer: PAYER }));
  getSupported = jest.fn(async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK as `${string}:${string}` }], extensions: [], signers: {} }));
}

/** What the guard, the interceptor and the settlement path publish for each kind of request. */
describe('X402Events from the guard and the interceptor', () => {
  let app: INestApplication;
  let facilitator: FakeFacilitator;
  let accepted: PaymentRequirements;
  let events: X402Event[];
  let nonce = 0;
  const pay = (requirements = accepted) =>
    encodePaymentSignatureHeader({
      x402Version: 2,
      accepted: requirements,
      payload: {
        signature: `0x${'11'.repeat(65)}`,
        authorization: { from: PAYER, to: requirements.payTo, value: requirements.amount, validAfter: '0', validBefore: '9999999999', nonce: `0x${(++nonce).toString(16).padStart(64, '0')}` },
      },
    });

  // The fixture's signature is not a real one: taken as the payer's (a forged one is refused before the ledger, without payment facts).
  beforeAll(() => jest.spyOn(SignedPaymentMethod.prototype as unknown as { isPayerSignature(): Promise<boolean> }, 'isPayerSignature').mockResolvedValue(true));
  afterAll(() => jest.restoreAllMocks());

  beforeEach(async () => {
    handlerFails = false;
    facilitator = new FakeFacilitator();
    const moduleRef = await Test.createTestingModule({
      imports: [X402Module.forRoot({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator }, publicUrl: 'https://api.example.com', store: new InMemoryPaymentStore(), ledger: { replayWindowSeconds: 60 } })],
      controllers: [PaidController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    accepted = (await request(app.getHttpServer()).get('/paid')).body.accepts[0];
    events = [];
    app.get(X402Events).on((e) => events.push(e));
  });
  afterEach(() => app.close());

  const facts = { route: 'GET /paid', network: NETWORK, asset: USDC, amount: '10000', payer: PAYER, mode: 'authorization', receiptId: expect.any(String) };

  it('a request without payment: challenge', async () => {
    await request(app.getHttpServer()).get('/paid').expect(402);
    expect(events).toEqual([{ type: 'challenge', route: 'GET /paid', reason: 'payment_required' }]);
  });

  it('a paid request: verified, then settled with the transaction and the settle latency, one receipt id', async () => {
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(200);
    expect(events).toEqual([
      { type: 'verified', ...facts },
      { type: 'settled', ...facts, transaction: '0xabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca', latencyMs: expect.any(Number) },
    ]);
    expect(events[0]).toHaveProperty('receiptId', (events[1] as { receiptId: string }).receiptId);
    expect(JSON.stringify(events)).not.toMatch(/signature|"authorization":|nonce|validBefore|0x1111/);
  });

  it('the same payment again: replayed (nothing runs, nothing is charged)', async () => {
    const header = pay();
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', header).expect(200);
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', header).expect(200);
    expect(events.map((e) => e.type)).toEqual(['verified', 'settled', 'replayed']);
  });

  it('a refusal by the facilitator: failed at verify with its reason and the payment facts', async () => {
    facilitator.verify.mockResolvedValueOnce({ isValid: false, invalidReason: 'insufficient_funds' });
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(402);
    expect(events).toEqual([{ type: 'failed', stage: 'verify', reason: 'insufficient_funds', status: 402, ...facts }]);
  });

  it('a malformed or mismatched payment: failed at verify with the error code', async () => {
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', 'garbage!!').expect(400);
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay({ ...accepted, amount: '1' })).expect(402);
    expect(events).toEqual([
      { type: 'failed', stage: 'verify', reason: 'invalid_payment_header', status: 400, route: 'GET /paid' },
      { type: 'failed', stage: 'verify', reason: 'payment_requirements_mismatch', status: 402, route: 'GET /paid' },
    ]);
  });

  it('a handler error: verified, then failed at the handler (not charged)', async () => {
    handlerFails = true;
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(400);
    expect(events).toEqual([{ type: 'verified', ...facts }, { type: 'failed', stage: 'handler', reason: 'handler_error', status: 400, ...facts }]);
    expect(facilitator.settle).not.toHaveBeenCalled();
  });

  it('a refused settlement: failed at settle with the reason', async () => {
    facilitator.settle.mockResolvedValueOnce({ success: false, errorReason: 'insufficient_funds', transaction: '', network: NETWORK });
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(402);
    expect(events.slice(1)).toEqual([{ type: 'failed', stage: 'settle', reason: 'insufficient_funds', status: 402, ...facts }]);
  });

  it('a facilitator outage: facilitator_error beside the failed payment', async () => {
    facilitator.settle.mockRejectedValueOnce(new FacilitatorTimeoutError('settle', 10));
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(503); // settlement_pending: the outcome is open
    facilitator.verify.mockRejectedValueOnce(new TypeError('fetch failed'));
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(503);
    expect(events.filter((e) => e.type !== 'verified')).toEqual([
      { type: 'facilitator_error', operation: 'settle', code: 'facilitator_timeout', status: 504, route: 'GET /paid', network: NETWORK },
      { type: 'failed', stage: 'settle', reason: 'facilitator_timeout', status: 504, ...facts },
      { type: 'facilitator_error', operation: 'verify', code: 'facilitator_unavailable', status: 503, route: 'GET /paid', network: NETWORK },
      { type: 'failed', stage: 'verify', reason: 'facilitator_unavailable', status: 503, ...facts },
    ]);
  });

  it('a deferred payment: verified at the request, settled (mode deferred) when the outbox works it off', async () => {
    await app.close();
    const eoa = jest.spyOn(ChainReader.prototype, 'hasCode').mockResolvedValue(false); // the payer holds no code: it may be deferred
    const onChain = jest.spyOn(ChainReader.prototype, 'transactionPays').mockResolvedValue(true); // the chain shows the facilitator's transfer
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({
          networks: [NETWORK],
          payTo: PAY_TO,
          facilitator: { type: 'client', client: facilitator },
          publicUrl: 'https://api.example.com',
          settlement: { mode: 'deferred', rpcUrls: { [NETWORK]: 'http://127.0.0.1:9' }, deferred: { worker: false } },
        }),
      ],
      controllers: [PaidController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    events = [];
    app.get(X402Events).on((e) => events.push(e));
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(200);
    expect(events).toEqual([{ type: 'verified', ...facts, mode: 'deferred' }]);
    await app.get(X402OutboxWorker).drain();
    expect(events[1]).toEqual({ type: 'settled', ...facts, mode: 'deferred', transaction: '0xabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca', latencyMs: expect.any(Number) });
    eoa.mockRestore();
    onChain.mockRestore();
  });

  it('a listener that throws does not change the answer', async () => {
    app.get(X402Events).on(() => {
      throw new Error('broken metrics');
    });
    jest.spyOn((app.get(X402Events) as unknown as { logger: { warn: () => void } }).logger, 'warn').mockImplementation(() => undefined);
    await request(app.getHttpServer()).get('/paid').expect(402);
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(200);
  });
});
