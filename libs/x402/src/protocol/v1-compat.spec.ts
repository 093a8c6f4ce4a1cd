import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { PaymentRequiredV1Schema } from '@x402/core/schemas';
import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import request from 'supertest';
import { Priced } from '../http/priced.decorator.js';
import { X402Module } from '../x402.module.js';
import { decodePaymentHeader, readPaymentHeader } from '../methods/signed/payment-header.codec.js';
import { toV1Requirements, v1NetworkName } from './v1-compat.js';

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

const authorization = (nonceByte = 1) => ({
  from: PAYER,
  to: PAY_TO,
  value: '10000',
  validAfter: '0',
  validBefore: '9999999999',
  nonce: `0x${nonceByte.toString(16).padStart(64, '0')}`,
});
const v1Payment = (network = 'base', nonceByte = 1) => b64({ x402Version: 1, scheme: 'exact', network, payload: { signature: `0x${'11'.repeat(65)}`, authorization: authorization(nonceByte) } });

describe('v1 network names and requirements', () => {
  it('names the v1 networks of CAIP-2 ids, and only those', () => {
    expect(v1NetworkName('eip155:84532')).toBe('base-sepolia');
    expect(v1NetworkName('eip155:8453')).toBe('base');
    expect(v1NetworkName('eip155:137')).toBe('polygon');
    expect(v1NetworkName('eip155:31337')).toBeUndefined();
    expect(v1NetworkName('solana:devnet')).toBeUndefined();
    expect(v1NetworkName('eip155:84532x')).toBeUndefined();
  });

  it('turns a v2 requirement into its v1 form with the resource inline', () => {
    const requirement: PaymentRequirements = { scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: BASE_USDC, payTo: PAY_TO, maxTimeoutSeconds: 60, extra: { name: 'USD Coin', version: '2' } };
    expect(toV1Requirements(requirement, { url: 'https://api.example.com/x', description: 'x', mimeType: 'application/json' })).toEqual({
      scheme: 'exact',
      network: 'base',
      maxAmountRequired: '10000',
      resource: 'https://api.example.com/x',
      description: 'x',
      mimeType: 'application/json',
      payTo: PAY_TO,
      maxTimeoutSeconds: 60,
      asset: BASE_USDC,
      extra: { name: 'USD Coin', version: '2' },
    });
    expect(toV1Requirements({ ...requirement, network: 'eip155:31337' }, { url: 'u' })).toBeUndefined();
  });
});

describe('reading and decoding both payment headers', () => {
  it('reads PAYMENT-SIGNATURE as v2 and X-PAYMENT as v1, and refuses both at once or twice', () => {
    expect(readPaymentHeader({ 'payment-signature': 'a' })).toEqual({ name: 'PAYMENT-SIGNATURE', x402Version: 2, value: 'a' });
    expect(readPaymentHeader({ 'x-payment': 'b' })).toEqual({ name: 'X-PAYMENT', x402Version: 1, value: 'b' });
    expect(readPaymentHeader({})).toBeUndefined();
    expect(() => readPaymentHeader({ 'payment-signature': 'a', 'x-payment': 'b' })).toThrow(expect.objectContaining({ code: 'invalid_payment_header' }));
    expect(() => readPaymentHeader({ 'x-payment': ['a', 'b'] })).toThrow(expect.objectContaining({ code: 'invalid_payment_header' }));
  });

  it('decodes a v1 payload from X-PAYMENT and keeps versions to their headers', () => {
    const decoded = decodePaymentHeader({ name: 'X-PAYMENT', x402Version: 1, value: v1Payment() }, 8192);
    expect(decoded).toMatchObject({ x402Version: 1, payload: { x402Version: 1, scheme: 'exact', network: 'base' }, authorization: authorization() });
    const v2 = b64({ x402Version: 2, accepted: {}, payload: {} });
    expect(() => decodePaymentHeader({ name: 'X-PAYMENT', x402Version: 1, value: v2 }, 8192)).toThrow(expect.objectContaining({ code: 'unsupported_x402_version' }));
    expect(() => decodePaymentHeader({ name: 'PAYMENT-SIGNATURE', x402Version: 2, value: v1Payment() }, 8192)).toThrow(expect.objectContaining({ code: 'unsupported_x402_version' }));
    expect(() => decodePaymentHeader({ name: 'X-PAYMENT', x402Version: 1, value: b64({ x402Version: 1, scheme: 'exact', payload: {} }) }, 8192)).toThrow(
      expect.objectContaining({ code: 'invalid_payment_payload' }),
    );
    expect(() => decodePaymentHeader({ name: 'X-PAYMENT', x402Version: 1, value: b64({ x402Version: 1, scheme: 'exact', network: 'base', payload: { signature: 1 } }) }, 8192)).toThrow(
      expect.objectContaining({ code: 'invalid_payment_payload' }),
    );
  });
});

let runs = 0;
@Controller('paid')
class PaidController {
  @Get() @Priced('0.01', { description: 'paid', mimeType: 'application/json' }) paid() {
    runs++;
    return { ok: true };
  }
}

class FakeFacilitator implements FacilitatorClient {
  constructor(private readonly v1: boolean) {}
  verify = jest.fn(async (_p: PaymentPayload, _r: PaymentRequirements): Promise<VerifyResponse> => ({ isValid: true, payer: PAYER }));
  settle = jest.fn(async (_p: PaymentPayload, r: PaymentRequirements): Promise<SettleResponse> => ({ success: true, transaction: '0xabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca', network: r.network as `${string}:${string}`, payer: PAYER }));
  getSupported = jest.fn(
    async (): Promise<SupportedResponse> => ({
      kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:8453' }, ...(this.v1 ? [{ x402Version: 1, scheme: 'exact', network: 'base' as `${string}:${string}` }] : [])],
      extensions: [],
      signers: {},
    }),
  );
}

describe('X402Guard with x402 v1 clients', () => {
  let app: INestApplication;
  let facilitator: FakeFacilitator;

  async function start(v1: boolean) {
    runs = 0;
    facilitator = new FakeFacilitator(v1);
    const moduleRef = await Test.createTestingModule({
      imports: [X402Module.forRoot({ networks: ['eip155:8453'], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator }, publicUrl: 'https://api.example.com' })],
      controllers: [PaidController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  }
  afterEach(() => app?.close());

  it('answers 402 with a v1 body beside the v2 header when the facilitator takes v1 on the network', async () => {
    await start(true);
    const res = await request(app.getHttpServer()).get('/paid').expect(402);
    expect(decodePaymentRequiredHeader(res.headers['payment-required']).accepts[0]).toMatchObject({ network: 'eip155:8453', amount: '10000' });
    expect(PaymentRequiredV1Schema.parse(res.body)).toEqual({
      x402Version: 1,
      error: 'payment_required',
      accepts: [expect.objectContaining({ network: 'base', maxAmountRequired: '10000', resource: 'https://api.example.com/paid', description: 'paid', asset: BASE_USDC })],
    });
    expect(res.body.message).toContain('X-PAYMENT');
  });

  it('keeps the v2 body, and refuses X-PAYMENT, when the facilitator does not take v1', async () => {
    await start(false);
    const challenge = await request(app.getHttpServer()).get('/paid').expect(402);
    expect(challenge.body).toMatchObject({ x402Version: 2, error: 'payment_required', accepts: [expect.objectContaining({ network: 'eip155:8453' })] });
    const res = await request(app.getHttpServer()).get('/paid').set('X-PAYMENT', v1Payment()).expect(402);
    expect(res.body.error).toBe('payment_requirements_mismatch');
    expect(facilitator.verify).not.toHaveBeenCalled();
  });

  it('verifies and settles X-PAYMENT against the v1 requirement and answers X-PAYMENT-RESPONSE', async () => {
    await start(true);
    const res = await request(app.getHttpServer()).get('/paid').set('X-PAYMENT', v1Payment()).expect(200);
    expect(res.body).toEqual({ ok: true });
    const v1Requirement = expect.objectContaining({ network: 'base', maxAmountRequired: '10000', payTo: PAY_TO, asset: BASE_USDC, resource: 'https://api.example.com/paid' });
    expect(facilitator.verify).toHaveBeenCalledWith(expect.objectContaining({ x402Version: 1, network: 'base' }), v1Requirement);
    expect(facilitator.settle).toHaveBeenCalledWith(expect.objectContaining({ x402Version: 1, network: 'base' }), v1Requirement);
    expect(res.headers['payment-response']).toBeUndefined();
    expect(decodePaymentResponseHeader(res.headers['x-payment-response'])).toMatchObject({ success: true, network: 'base' });
    expect(runs).toBe(1);
  });

  it('refuses a v1 payment for another network with 402 payment_requirements_mismatch', async () => {
    await start(true);
    const res = await request(app.getHttpServer()).get('/paid').set('X-PAYMENT', v1Payment('base-sepolia')).expect(402);
    expect(res.body).toMatchObject({ x402Version: 1, error: 'payment_requirements_mismatch' });
    expect(facilitator.verify).not.toHaveBeenCalled();
  });

  it('claims one authorization once, whichever header carries it', async () => {
    await start(true);
    await request(app.getHttpServer()).get('/paid').set('X-PAYMENT', v1Payment('base', 9)).expect(200);
    const accepted = decodePaymentRequiredHeader((await request(app.getHttpServer()).get('/paid')).headers['payment-required']).accepts[0];
    const v2 = b64({ x402Version: 2, accepted, payload: { signature: `0x${'11'.repeat(65)}`, authorization: authorization(9) } });
    const again = await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', v2).expect(200); // the stored response
    expect(again.body).toEqual({ ok: true });
    expect(again.headers['payment-response']).toBeDefined();
    expect(facilitator.settle).toHaveBeenCalledTimes(1);
    expect(runs).toBe(1);
  });
});
