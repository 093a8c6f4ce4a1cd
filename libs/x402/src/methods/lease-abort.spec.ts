import { Controller, Get, Injectable, type CallHandler, type ExecutionContext, type INestApplication, type NestInterceptor } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { encodePaymentSignatureHeader } from '@x402/core/http';
import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse, VerifyResponse } from '@x402/core/types';
import { of, type Observable } from 'rxjs';
import request from 'supertest';
import { InMemoryPaymentStore } from '../ledger/in-memory-payment.store.js';
import { Priced } from '../http/priced.decorator.js';
import { X402Module } from '../x402.module.js';
import { PaymentMethodRegistry } from './payment-methods.registry.js';
import type { Admission, PaymentAttempt, PaymentMethod, PaymentRequest } from './payment-method.js';
import { SignedPaymentMethod } from './signed/signed-payment.method.js';

const NETWORK = 'eip155:8453';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

let runs = 0;

@Controller('paid')
class PaidController {
  @Get() @Priced('0.01') paid() {
    runs++;
    return { ok: true };
  }
}

/** A global cache interceptor as apps have them: a hit answers without reaching the route's own interceptors. */
@Injectable()
class AnswerFromCache implements NestInterceptor {
  static hit = false;
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return AnswerFromCache.hit ? of({ cached: true }) : next.handle();
  }
}

/** A payment method of the app's own: a voucher header, admitted without a lease. */
@Injectable()
class VoucherMethod implements PaymentMethod {
  readonly name = 'voucher';
  readonly order = 5;
  recognises(request: PaymentRequest): boolean {
    return request.headers['x-voucher'] !== undefined;
  }
  async admit(attempt: PaymentAttempt): Promise<Admission> {
    return attempt.request.headers['x-voucher'] === 'free-lunch' ? { admitted: true } : { admitted: false, code: 'invalid_voucher', message: 'unknown voucher' };
  }
}

class FakeFacilitator implements FacilitatorClient {
  verify = jest.fn(async (): Promise<VerifyResponse> => ({ isValid: true, payer: PAYER }));
  settle = jest.fn(async (_p: PaymentPayload, r: PaymentRequirements): Promise<SettleResponse> => ({ success: true, transaction: `0x${'ab'.repeat(32)}`, network: r.network as `${string}:${string}`, payer: PAYER }));
  getSupported = jest.fn(async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK as `${string}:${string}` }], extensions: [], signers: {} }));
}

function paymentFor(accepted: PaymentRequirements, nonceByte: number): string {
  const authorization = { from: PAYER, to: accepted.payTo, value: accepted.amount, validAfter: '0', validBefore: '9999999999', nonce: `0x${nonceByte.toString(16).padStart(64, '0')}` };
  return encodePaymentSignatureHeader({ x402Version: 2, accepted, payload: { signature: `0x${'11'.repeat(65)}`, authorization } });
}

describe('payment methods and leases', () => {
  let app: INestApplication;
  let store: InMemoryPaymentStore;
  let facilitator: FakeFacilitator;
  let accepted: PaymentRequirements;

  beforeAll(async () => {
    jest.spyOn(SignedPaymentMethod.prototype as unknown as { isPayerSignature(): Promise<boolean> }, 'isPayerSignature').mockResolvedValue(true);
    store = new InMemoryPaymentStore();
    facilitator = new FakeFacilitator();
    const moduleRef = await Test.createTestingModule({
      imports: [X402Module.forRoot({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator }, publicUrl: 'https://api.example.com', store })],
      controllers: [PaidController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: AnswerFromCache }, VoucherMethod],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    accepted = (await request(app.getHttpServer()).get('/paid').expect(402)).body.accepts[0];
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  it('gives a claim back when the request ends before the route interceptor (a cache hit): no verified record outlives it', async () => {
    AnswerFromCache.hit = true;
    const payment = paymentFor(accepted, 1);
    const cached = await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', payment).expect(200);
    expect(cached.body).toEqual({ cached: true });
    expect(cached.headers['payment-response']).toBeUndefined();
    const key = `${NETWORK}:${accepted.asset}:${PAYER}:0x${'1'.padStart(64, '0')}`.toLowerCase();
    const deadline = Date.now() + 5_000;
    while ((await store.findByKey(key)) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await store.findByKey(key)).toBeUndefined(); // released, not left `verified`
    expect(facilitator.settle).not.toHaveBeenCalled();

    // the same authorization then pays for the route normally (before the fix: 409 payment_in_progress for good)
    AnswerFromCache.hit = false;
    const paid = await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', payment).expect(200);
    expect(paid.body).toEqual({ ok: true });
    expect(paid.headers['payment-response']).toBeDefined();
    expect(facilitator.settle).toHaveBeenCalledTimes(1);
  });

  it('takes a method of the app\'s own, registered in the registry, with no change to the guard or interceptor', async () => {
    const before = runs;
    // not registered yet: a voucher is no payment
    await request(app.getHttpServer()).get('/paid').set('X-Voucher', 'free-lunch').expect(402);
    app.get(PaymentMethodRegistry).register(app.get(VoucherMethod));
    await request(app.getHttpServer()).get('/paid').set('X-Voucher', 'free-lunch').expect(200);
    expect(runs).toBe(before + 1);
    const refused = await request(app.getHttpServer()).get('/paid').set('X-Voucher', 'stolen').expect(402);
    expect(refused.body.error).toBe('invalid_voucher');
    expect(refused.headers['payment-required']).toBeDefined();
    expect(runs).toBe(before + 1);
  });
});
