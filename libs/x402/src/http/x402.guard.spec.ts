import { BadRequestException, Controller, Get, Header, HttpCode, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import type { FacilitatorClient } from '@x402/core/server';
import { FacilitatorTimeoutError, type PaymentPayload, type PaymentRequirements, type SettleResponse, type VerifyResponse } from '@x402/core/types';
import request from 'supertest';
import { X402Module } from '../x402.module.js';
import type { X402ModuleOptions } from '../x402.options.js';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { Free, Priced } from './priced.decorator.js';
import { SignedPaymentMethod } from '../methods/signed/signed-payment.method.js';
import { ChainReader } from '../settlement/chain-reader.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

let handlerRuns = 0;

@Controller('paid')
class PaidController {
  @Get('fixed') @Priced('0.01', { description: 'fixed' }) fixed() {
    handlerRuns++;
    return { ok: true };
  }
  @Get('dynamic') @Priced((req: { query: { n?: string } }) => `0.0${req.query.n ?? '1'}`) dynamic() {
    return { ok: 'dynamic' };
  }
  @Get('broken-price') @Priced(() => { throw new Error('db down'); }) brokenPrice() {}
  @Get('rejecting-price') @Priced(() => { throw new BadRequestException('n must be small'); }) rejectingPrice() {}
  @Post('fails') @Priced('0.01') fails() {
    throw new BadRequestException('bad input');
  }
  @Get('cacheable') @Header('Cache-Control', 'public, max-age=3600') @Priced('0.01') cacheable() {
    return { cacheable: 'not when paid' };
  }
  @Get('teapot') @HttpCode(418) @Priced('0.01') teapot() {
    return { short: 'and stout' };
  }
}

@Controller('bundle')
@Priced('0.05')
class BundleController {
  @Get('free') @Free() free() {
    return { free: true };
  }
  @Get('paid') paid() {
    return { paid: true };
  }
}

class FakeFacilitator implements FacilitatorClient {
  verify = jest.fn(async (_p: PaymentPayload, _r: PaymentRequirements): Promise<VerifyResponse> => ({ isValid: true, payer: PAYER }));
  settle = jest.fn(async (_p: PaymentPayload, r: PaymentRequirements): Promise<SettleResponse> => ({ success: true, transaction: '0xabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca', network: r.network as `${string}:${string}`, payer: PAYER }));
  getSupported = jest.fn(async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK as `${string}:${string}` }], extensions: [], signers: {} }));
}

function paymentFor(accepted: PaymentRequirements, nonceByte = 1, overrides: Partial<PaymentPayload> = {}): string {
  const payload: PaymentPayload = {
    x402Version: 2,
    accepted,
    payload: {
      signature: `0x${'11'.repeat(65)}`,
      authorization: { from: PAYER, to: accepted.payTo, value: accepted.amount, validAfter: '0', validBefore: '9999999999', nonce: `0x${nonceByte.toString(16).padStart(64, '0')}` },
    },
    ...overrides,
  };
  return encodePaymentSignatureHeader(payload);
}

describe('X402Guard and X402Interceptor', () => {
  let app: INestApplication;
  let facilitator: FakeFacilitator;
  let accepted: PaymentRequirements;

  async function createApp(options: Partial<X402ModuleOptions> = {}) {
    await app?.close();
    handlerRuns = 0;
    facilitator = new FakeFacilitator();
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({
          networks: [NETWORK],
          payTo: PAY_TO,
          facilitator: { type: 'client', client: facilitator },
          publicUrl: 'https://api.example.com',
          maxPaymentHeaderBytes: 4096,
          ...options,
        }),
      ],
      controllers: [PaidController, BundleController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const challenge = await request(app.getHttpServer()).get('/paid/fixed');
    accepted = challenge.body.accepts[0];
  }

  // The fixtures' signatures are not real ones: taken as the payer's here, except where a test says otherwise.
  let payerSignature: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    payerSignature = jest.spyOn(SignedPaymentMethod.prototype as unknown as { isPayerSignature(): Promise<boolean> }, 'isPayerSignature').mockResolvedValue(true);
    return createApp();
  });
  afterEach(async () => {
    payerSignature.mockRestore();
    jest.restoreAllMocks();
    await app.close();
    app = undefined as never;
  });

  it('answers 402 with PAYMENT-REQUIRED and a readable body when no payment is sent', async () => {
    const res = await request(app.getHttpServer()).get('/paid/fixed?x=1').expect(402);
    const header = decodePaymentRequiredHeader(res.headers['payment-required']);
    expect(header).toMatchObject({ x402Version: 2, resource: { url: 'https://api.example.com/paid/fixed?x=1', description: 'fixed' } });
    expect(header.accepts).toEqual([
      expect.objectContaining({ scheme: 'exact', network: NETWORK, amount: '10000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: expect.objectContaining({ name: 'USD Coin', version: '2' }) }),
    ]);
    // a 402 body is an x402 PaymentRequired: `error` is the stable code (a string, as v1 clients parse it), `message` says why
    expect(res.body).toMatchObject({ x402Version: 2, error: 'payment_required', message: expect.stringContaining('0.01 USDC on eip155:8453') });
    expect(res.body.accepts).toEqual(header.accepts);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['vary']).toBe('PAYMENT-SIGNATURE, X-PAYMENT, X-PAYMENT-PROOF, Paywalled-Proof, SIGN-IN-WITH-X');
    expect(handlerRuns).toBe(0);
  });

  it('marks paid responses private and not storable, over a handler\'s own Cache-Control, and varies them on the payment headers', async () => {
    const paid = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 7)).expect(200);
    expect(paid.headers['cache-control']).toBe('private, no-store');
    expect(paid.headers['vary']).toBe('PAYMENT-SIGNATURE, X-PAYMENT, X-PAYMENT-PROOF, Paywalled-Proof, SIGN-IN-WITH-X');
    const challenge = await request(app.getHttpServer()).get('/paid/cacheable').expect(402);
    expect(challenge.headers['cache-control']).toBe('private, no-store');
    const cacheable = await request(app.getHttpServer()).get('/paid/cacheable').set('PAYMENT-SIGNATURE', paymentFor(challenge.body.accepts[0], 8)).expect(200);
    expect(cacheable.body).toEqual({ cacheable: 'not when paid' });
    expect(cacheable.headers['cache-control']).toBe('private, no-store');
    expect(cacheable.headers['vary']).toContain('PAYMENT-SIGNATURE');
    // a refused payment too
    const refused = await request(app.getHttpServer()).get('/paid/cacheable').set('PAYMENT-SIGNATURE', 'not base64 at all!!').expect(400);
    expect(refused.headers['cache-control']).toBe('private, no-store');
    // free routes are left alone
    const free = await request(app.getHttpServer()).get('/bundle/free').expect(200);
    expect(free.headers['cache-control']).toBeUndefined();
  });

  it('verifies, runs the handler, settles and releases the response with PAYMENT-RESPONSE', async () => {
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(200);
    expect(res.body).toEqual({ ok: true });
    expect(decodePaymentResponseHeader(res.headers['payment-response'])).toMatchObject({ success: true, transaction: '0xabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca', network: NETWORK });
    expect(facilitator.verify).toHaveBeenCalledTimes(1);
    expect(facilitator.settle).toHaveBeenCalledTimes(1);
    expect(handlerRuns).toBe(1);
  });

  it('builds the requirements of a static route once, not per request', async () => {
    const build = jest.spyOn(app.get(X402ResourceServerHost).server, 'buildPaymentRequirements');
    for (let i = 0; i < 3; i++) await request(app.getHttpServer()).get('/paid/fixed').expect(402);
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 3)).expect(200);
    expect(build).not.toHaveBeenCalled();
    await request(app.getHttpServer()).get('/paid/dynamic?n=2').expect(402);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['not base64 at all!!', 400, 'invalid_payment_header'],
    [Buffer.from('not json').toString('base64'), 400, 'invalid_payment_header'],
    [Buffer.from('[1,2]').toString('base64'), 400, 'invalid_payment_header'],
    [Buffer.from(JSON.stringify({ x402Version: 1 })).toString('base64'), 400, 'unsupported_x402_version'],
    [Buffer.from(JSON.stringify({ x402Version: 2, payload: {} })).toString('base64'), 400, 'invalid_payment_payload'],
    ['A'.repeat(6_000), 431, 'payment_header_too_large'],
  ])('rejects a malformed header (%#) with %i %s and never calls the facilitator', async (header, status, code) => {
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', header).expect(status);
    expect(res.body.error.code).toBe(code);
    expect(facilitator.verify).not.toHaveBeenCalled();
    expect(handlerRuns).toBe(0);
  });

  it('rejects an EIP-3009 payload with a bad field shape', async () => {
    const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted: {}, payload: {} })).toString('base64');
    const bad = JSON.parse(Buffer.from(paymentFor(accepted), 'base64').toString());
    bad.payload.authorization.nonce = '0x12';
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', Buffer.from(JSON.stringify(bad)).toString('base64')).expect(400);
    expect(res.body.error).toEqual({ code: 'invalid_payment_payload', message: expect.stringContaining('payload.authorization.nonce') });
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', header).expect(400);
  });

  it('answers 402 payment_requirements_mismatch when the accepted requirement was altered', async () => {
    const res = await request(app.getHttpServer())
      .get('/paid/fixed')
      .set('PAYMENT-SIGNATURE', paymentFor({ ...accepted, amount: '1' }))
      .expect(402);
    expect(res.body.error).toBe('payment_requirements_mismatch');
    expect(res.headers['payment-required']).toBeDefined();
    expect(facilitator.verify).not.toHaveBeenCalled();
  });

  it("answers 402 with the facilitator's reason when verification fails", async () => {
    facilitator.verify.mockResolvedValueOnce({ isValid: false, invalidReason: 'invalid_exact_evm_payload_signature', invalidMessage: 'bad signature' });
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(402);
    expect(res.body).toMatchObject({ error: 'invalid_exact_evm_payload_signature', message: 'bad signature' });
    expect(decodePaymentRequiredHeader(res.headers['payment-required']).error).toBe('invalid_exact_evm_payload_signature');
    expect(handlerRuns).toBe(0);
    // the claim was released: the same authorization may be tried again
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(200);
  });

  it('fails closed with 503 when the facilitator is unreachable and 504 when it times out', async () => {
    facilitator.verify.mockRejectedValueOnce(new TypeError('fetch failed'));
    const down = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(503);
    expect(down.body.error.code).toBe('facilitator_unavailable');
    facilitator.verify.mockRejectedValueOnce(new FacilitatorTimeoutError('verify', 10));
    const slow = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(504);
    expect(slow.body.error.code).toBe('facilitator_timeout');
    expect(handlerRuns).toBe(0);
  });

  it('withholds the response with 402 and PAYMENT-RESPONSE success:false when settlement is refused', async () => {
    facilitator.settle.mockResolvedValueOnce({ success: false, errorReason: 'insufficient_funds', transaction: '', network: NETWORK });
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(402);
    expect(res.body).not.toHaveProperty('ok');
    expect(res.body.error).toBe('insufficient_funds');
    expect(decodePaymentResponseHeader(res.headers['payment-response'])).toMatchObject({ success: false, errorReason: 'insufficient_funds' });
  });

  it.each([
    ['throws', () => new Error('connect ECONNREFUSED')],
    ['times out', () => new FacilitatorTimeoutError('settle', 10)],
  ] as const)('withholds the response when settlement %s, and keeps the outcome open: 503 settlement_pending with the receipt, never failed', async (_what, error) => {
    const store = new InMemoryPaymentStore();
    await createApp({ store });
    facilitator.settle.mockRejectedValueOnce(error());
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(503);
    expect(res.body).not.toHaveProperty('ok');
    expect(res.body.error.code).toBe('settlement_pending');
    // the facilitator may still land it: the payer is told it is pending (not failed), and the ledger holds it for reconciliation
    const [held] = await store.findReceipts({ payer: PAYER });
    expect(held.state).toBe('settling');
    expect(res.body.receipt).toBe(held.id);
    expect(decodePaymentResponseHeader(res.headers['payment-response'])).toMatchObject({ success: false, errorReason: 'settlement_pending', extra: { status: 'pending', receipt: held.id } });
    expect(res.headers['retry-after']).toBe('5');
  });

  it('holds a payment the facilitator reports as settlement_pending (sent, unconfirmed): 503 with its transaction, never failed', async () => {
    const store = new InMemoryPaymentStore();
    await createApp({ store });
    const transaction = `0x${'ab'.repeat(32)}`;
    // @x402/core asks once more itself (it reconciles a sent transaction); still pending after that
    facilitator.settle
      .mockResolvedValueOnce({ success: false, errorReason: 'settlement_pending', transaction, network: NETWORK })
      .mockResolvedValueOnce({ success: false, errorReason: 'settlement_pending', transaction, network: NETWORK });
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted)).expect(503);
    expect(res.body.error.code).toBe('settlement_pending');
    expect(decodePaymentResponseHeader(res.headers['payment-response'])).toMatchObject({ errorReason: 'settlement_pending', transaction });
    expect((await store.findReceipts({ payer: PAYER })).map((r) => r.state)).toEqual(['settling']);
  });

  it('keeps a failed payment\'s record until a verified payment takes its key over', async () => {
    const store = new InMemoryPaymentStore();
    await createApp({ store });
    facilitator.settle.mockResolvedValueOnce({ success: false, errorReason: 'insufficient_funds', transaction: '', network: NETWORK });
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 30)).expect(402);
    const [failed] = await store.findReceipts({ payer: PAYER });
    expect(failed).toMatchObject({ state: 'failed', errorReason: 'insufficient_funds' });
    // re-presented, refused by the facilitator: the record is left as it was
    facilitator.verify.mockResolvedValueOnce({ isValid: false, invalidReason: 'invalid_exact_evm_insufficient_balance', payer: PAYER });
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 30)).expect(402);
    expect(await store.findReceipts({ payer: PAYER })).toEqual([failed]);
    // re-presented with the funds there: verified once, then it takes the key and settles
    facilitator.verify.mockClear();
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 30)).expect(200);
    expect(facilitator.verify).toHaveBeenCalledTimes(1);
    expect((await store.findReceipts({ payer: PAYER })).map((r) => [r.id, r.state])).toEqual([[failed.id, 'settled']]);
  });

  it('refuses an exact payload that carries a second authorization (permit2Authorization), before the claim', async () => {
    const store = new InMemoryPaymentStore();
    await createApp({ store });
    const payment = JSON.parse(Buffer.from(paymentFor(accepted, 31), 'base64').toString());
    payment.payload.permit2Authorization = { from: PAY_TO, permitted: { token: accepted.asset, amount: accepted.amount }, spender: PAY_TO, nonce: '1', deadline: '9999999999', witness: { to: PAY_TO, validAfter: '0' } };
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', Buffer.from(JSON.stringify(payment)).toString('base64')).expect(400);
    expect(res.body.error).toEqual({ code: 'invalid_payment_payload', message: expect.stringContaining('permit2Authorization') });
    const extraField = JSON.parse(Buffer.from(paymentFor(accepted, 32), 'base64').toString());
    extraField.payload.authorization.payer = PAY_TO;
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', Buffer.from(JSON.stringify(extraField)).toString('base64')).expect(400);
    expect(facilitator.verify).not.toHaveBeenCalled();
    expect(await store.findReceipts({})).toEqual([]);
  });

  it('refuses a payment the facilitator verified for another payer than the authorization names', async () => {
    const store = new InMemoryPaymentStore();
    await createApp({ store });
    facilitator.verify.mockResolvedValueOnce({ isValid: true, payer: PAY_TO });
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 33)).expect(402);
    expect(res.body.error).toBe('payment_verification_failed');
    expect(handlerRuns).toBe(0);
    expect(facilitator.settle).not.toHaveBeenCalled();
    expect(await store.findReceipts({})).toEqual([]);
  });

  it('does not settle when the handler fails, and frees the authorization', async () => {
    const challenge = await request(app.getHttpServer()).post('/paid/fails').expect(402);
    const payment = paymentFor(challenge.body.accepts[0]);
    const res = await request(app.getHttpServer()).post('/paid/fails').set('PAYMENT-SIGNATURE', payment).expect(400);
    expect(res.body.message).toBe('bad input');
    expect(res.headers['payment-response']).toBeUndefined();
    expect(facilitator.settle).not.toHaveBeenCalled();
    await request(app.getHttpServer()).post('/paid/fails').set('PAYMENT-SIGNATURE', payment).expect(400);
  });

  it('does not settle a handler whose declared status is an error', async () => {
    const challenge = await request(app.getHttpServer()).get('/paid/teapot').expect(402);
    await request(app.getHttpServer()).get('/paid/teapot').set('PAYMENT-SIGNATURE', paymentFor(challenge.body.accepts[0])).expect(418);
    expect(facilitator.settle).not.toHaveBeenCalled();
  });

  it('replays the stored response to a second use of a settled authorization, without running or charging again', async () => {
    const first = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 7)).expect(200);
    const again = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 7)).expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['payment-response']).toBe(first.headers['payment-response']);
    expect(handlerRuns).toBe(1);
    expect(facilitator.settle).toHaveBeenCalledTimes(1);
  });

  it('refuses a settled authorization on another route with 402 payment_already_used', async () => {
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 8)).expect(200);
    const res = await request(app.getHttpServer()).post('/paid/fails').set('PAYMENT-SIGNATURE', paymentFor(accepted, 8)).expect(402);
    expect(res.body.error).toBe('payment_already_used');
  });

  it('replays a settled payment after the retry window only to the holder of its idempotency id', async () => {
    await createApp({ ledger: { replayWindowSeconds: 0 } });
    const first = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'secret-of-the-payer-0123456789').set('PAYMENT-SIGNATURE', paymentFor(accepted, 21)).expect(200);
    await new Promise((r) => setTimeout(r, 5));
    // the signed authorization is public once settled: without the id, it buys nothing more
    const stranger = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 21)).expect(402);
    expect(stranger.body.error).toBe('payment_already_used');
    const wrongId = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'a-guess-of-the-id-0123456789').set('PAYMENT-SIGNATURE', paymentFor(accepted, 21)).expect(402);
    expect(wrongId.body.error).toBe('payment_already_used');
    const owner = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'secret-of-the-payer-0123456789').set('PAYMENT-SIGNATURE', paymentFor(accepted, 21)).expect(200);
    expect(owner.body).toEqual(first.body);
    expect(handlerRuns).toBe(1);
  });

  it('refuses a repeat without idempotency id once the retry window has passed', async () => {
    await createApp({ ledger: { replayWindowSeconds: 0 } });
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 22)).expect(200);
    await new Promise((r) => setTimeout(r, 5));
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 22)).expect(402);
    expect(res.body.error).toBe('payment_already_used');
    expect(handlerRuns).toBe(1);
  });

  it('answers 402 payment_already_used instead of replaying when snapshots are off', async () => {
    await createApp({ ledger: { snapshots: false } });
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 7)).expect(200);
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 7)).expect(402);
    expect(res.body.error).toBe('payment_already_used');
    expect(handlerRuns).toBe(1);
  });

  it('makes a concurrent use of the same authorization wait for the first and get its response', async () => {
    let release!: () => void;
    facilitator.verify.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve({ isValid: true, payer: PAYER }))));
    const first = request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 9)).then((r) => r);
    await new Promise((r) => setTimeout(r, 50));
    const second = request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 9)).then((r) => r);
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(handlerRuns).toBe(1);
    expect(facilitator.settle).toHaveBeenCalledTimes(1);
  });

  it('answers 409 payment_in_progress when the first use outlasts the wait', async () => {
    await createApp({ ledger: { inFlightWaitMs: 100 } });
    let release!: () => void;
    facilitator.verify.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve({ isValid: true, payer: PAYER }))));
    const first = request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 10)).then((r) => r);
    await new Promise((r) => setTimeout(r, 50));
    const second = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 10));
    release();
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('payment_in_progress');
    expect((await first).status).toBe(200);
    expect(handlerRuns).toBe(1);
  });

  it('answers 409 idempotency_key_reused for one Idempotency-Key on two different payments', async () => {
    await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-42-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 11)).expect(200);
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-42-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 12)).expect(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-42-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 11)).expect(200);
    expect(handlerRuns).toBe(1);
  });

  it('takes the payment-identifier extension as idempotency id, and requires one when configured', async () => {
    await createApp({ idempotency: { required: true } });
    const challenge = await request(app.getHttpServer()).get('/paid/fixed').expect(402);
    expect(challenge.body.extensions['payment-identifier'].info).toEqual({ required: true });
    const missing = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 13)).expect(400);
    expect(missing.body.error.code).toBe('payment_identifier_required');
    const withId = (nonce: number, id: string) =>
      paymentFor(accepted, nonce, { extensions: { 'payment-identifier': { info: { required: true, id } } } } as Partial<PaymentPayload>);
    await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', withId(13, 'pay_0123456789abcdef012345')).expect(200);
    const reused = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', withId(14, 'pay_0123456789abcdef012345')).expect(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    const bad = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', withId(15, 'short')).expect(400);
    expect(bad.body.error.code).toBe('invalid_idempotency_key');
  });

  it('sends a signature it cannot check to the facilitator before the ledger: a forged repeat gets neither the response nor a hint of the id', async () => {
    await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-43-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 18)).expect(200);
    payerSignature.mockResolvedValue(false);
    facilitator.verify.mockResolvedValue({ isValid: false, invalidReason: 'invalid_exact_evm_payload_signature', payer: PAYER });
    const forged = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-43-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 18)).expect(402);
    const reused = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-43-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 19)).expect(402);
    const unknown = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-44-0123456789abcdefgh').set('PAYMENT-SIGNATURE', paymentFor(accepted, 20)).expect(402);
    expect([forged.body.error, reused.body.error]).toEqual([unknown.body.error, unknown.body.error]);
    expect(handlerRuns).toBe(1);
  });

  it('refuses an idempotency id shorter than 22 characters (128 bits)', async () => {
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'order-42').set('PAYMENT-SIGNATURE', paymentFor(accepted, 16)).expect(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });

  it('rejects a malformed Idempotency-Key with 400', async () => {
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('Idempotency-Key', 'x'.repeat(300)).set('PAYMENT-SIGNATURE', paymentFor(accepted, 16)).expect(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });

  it('fails closed with 503 ledger_unavailable when the store is down', async () => {
    const store = new InMemoryPaymentStore();
    jest.spyOn(store, 'claim').mockRejectedValue(new Error('connection terminated'));
    await createApp({ store });
    const res = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', paymentFor(accepted, 17)).expect(503);
    expect(res.body.error.code).toBe('ledger_unavailable');
    expect(handlerRuns).toBe(0);
    expect(facilitator.verify).not.toHaveBeenCalled();
  });

  it.each([
    ['deferred', 'markQueued'],
    ['authorization', 'markSettling'],
  ] as const)('in %s mode, a ledger error after the handler releases the claim and promises nothing (%s throws)', async (mode, step) => {
    const store = new InMemoryPaymentStore();
    const original = store[step].bind(store) as (...args: unknown[]) => Promise<boolean>;
    const failing = jest.spyOn(store, step).mockRejectedValueOnce(new Error('invalid input syntax for type timestamp with time zone: "Invalid Date"'));
    jest.spyOn(ChainReader.prototype, 'hasCode').mockResolvedValue(false); // an EOA payer: deferred is allowed (restored after each test)
    jest.spyOn(ChainReader.prototype, 'transactionPays').mockResolvedValue(true); // the chain shows the facilitator's transfer
    await createApp({ store, settlement: { mode, rpcUrls: { [NETWORK]: 'http://127.0.0.1:9' }, deferred: { worker: false } } });
    const header = paymentFor(accepted, 18);
    const first = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', header).expect(503);
    expect(first.body.error.code).toBe('ledger_unavailable');
    expect(first.headers['payment-response']).toBeUndefined(); // no success:true for a payment nobody will settle
    expect(facilitator.settle).not.toHaveBeenCalled();
    const claims = await store.findReceipts({ payer: PAYER });
    expect(claims.filter((r) => r.state === 'verified')).toEqual([]); // released, not stuck
    // the same authorization works once the ledger does (not 409 payment_in_progress for good)
    failing.mockImplementation(original);
    const again = await request(app.getHttpServer()).get('/paid/fixed').set('PAYMENT-SIGNATURE', header).expect(200);
    expect(decodePaymentResponseHeader(again.headers['payment-response']).success).toBe(true);
  });

  it('prices a dynamic route per request', async () => {
    const one = await request(app.getHttpServer()).get('/paid/dynamic?n=3').expect(402);
    expect(one.body.accepts[0].amount).toBe('30000');
    const two = await request(app.getHttpServer()).get('/paid/dynamic?n=5').expect(402);
    expect(two.body.accepts[0].amount).toBe('50000');
  });

  it('answers 500 price_resolution_failed when a price function throws, and passes HTTP errors through', async () => {
    const broken = await request(app.getHttpServer()).get('/paid/broken-price').expect(500);
    expect(broken.body.error.code).toBe('price_resolution_failed');
    const rejecting = await request(app.getHttpServer()).get('/paid/rejecting-price').expect(400);
    expect(rejecting.body.message).toBe('n must be small');
  });

  it('charges every route of a priced controller except @Free ones', async () => {
    await request(app.getHttpServer()).get('/bundle/free').expect(200, { free: true });
    const res = await request(app.getHttpServer()).get('/bundle/paid').expect(402);
    expect(res.body.accepts[0].amount).toBe('50000');
  });
});
