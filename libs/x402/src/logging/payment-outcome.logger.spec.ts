import { BadRequestException, Controller, Get, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { encodePaymentSignatureHeader } from '@x402/core/http';
import type { FacilitatorClient } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse, VerifyResponse } from '@x402/core/types';
import request from 'supertest';
import { Priced } from '../http/priced.decorator.js';
import { X402Module } from '../x402.module.js';
import { SignedPaymentMethod } from '../methods/signed/signed-payment.method.js';
import { X402LoggingModule } from './x402-logging.module.js';
import type { X402LoggingOptions } from './x402-logging.options.js';

const NETWORK = 'eip155:8453';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const SIGNATURE = `0x${'5a'.repeat(65)}`;

@Controller('paid')
class PaidController {
  @Get() @Priced('0.01') paid() {
    return { ok: true };
  }
  @Get('broken') @Priced('0.01') broken() {
    throw new BadRequestException('bad input');
  }
}

/** A LoggerService that keeps what it is given (as nestjs-pino would receive it). */
class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: unknown; params: unknown[] }[] = [];
  log = (message: unknown, ...params: unknown[]) => this.lines.push({ level: 'log', message, params });
  warn = (message: unknown, ...params: unknown[]) => this.lines.push({ level: 'warn', message, params });
  error = (message: unknown, ...params: unknown[]) => this.lines.push({ level: 'error', message, params });
  debug = () => undefined;
  verbose = () => undefined;
  fatal = () => undefined;
  /** Lines logged in the X402 context (not Nest's own startup lines). */
  x402() {
    return this.lines.filter((l) => l.params.at(-1) === 'X402');
  }
}

describe('X402LoggingModule: one log line per payment outcome', () => {
  let app: INestApplication;
  let logger: CapturingLogger;
  let facilitator: { verify: jest.Mock<FacilitatorClient['verify']>; settle: jest.Mock<FacilitatorClient['settle']> } & FacilitatorClient;
  let accepted: PaymentRequirements;

  // The fixture's signature is not a real one: taken as the payer's (a forged one is refused before the ledger, without payment facts).
  beforeAll(() => jest.spyOn(SignedPaymentMethod.prototype as unknown as { isPayerSignature(): Promise<boolean> }, 'isPayerSignature').mockResolvedValue(true));
  afterAll(() => jest.restoreAllMocks());
  let nonce = 0;
  let nonces: string[];
  let headers: string[];

  const pay = () => {
    const n = `0x${(0xabcdef00 + ++nonce).toString(16).padStart(64, 'c')}`;
    nonces.push(n);
    const header = encodePaymentSignatureHeader({
      x402Version: 2,
      accepted,
      payload: { signature: SIGNATURE, authorization: { from: PAYER, to: accepted.payTo, value: accepted.amount, validAfter: '0', validBefore: '9999999999', nonce: n } },
    });
    headers.push(header);
    return header;
  };

  async function start(options: X402LoggingOptions) {
    logger = new CapturingLogger();
    nonces = [];
    headers = [];
    facilitator = {
      verify: jest.fn(async (_p: PaymentPayload, _r: PaymentRequirements): Promise<VerifyResponse> => ({ isValid: true, payer: PAYER })),
      settle: jest.fn(async (_p: PaymentPayload, r: PaymentRequirements): Promise<SettleResponse> => ({ success: true, transaction: '0xfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeed', network: r.network as `${string}:${string}`, payer: PAYER })),
      getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK as `${string}:${string}` }], extensions: [], signers: {} }),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({ networks: [NETWORK], payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', facilitator: { type: 'client', client: facilitator }, publicUrl: 'https://api.example.com' }),
        X402LoggingModule.forRoot(options),
      ],
      controllers: [PaidController],
    }).compile();
    app = moduleRef.createNestApplication({ logger });
    await app.init();
    accepted = (await request(app.getHttpServer()).get('/paid')).body.accepts[0];
  }
  afterEach(() => app?.close());

  /** Everything that reached the logger from the payments of the test, as one string. */
  const everything = () => JSON.stringify(logger.lines);

  it.each(['object', 'text'] as const)('logs a full payment (%s format) with its receipt id and without signature, authorization or nonce', async (format) => {
    await start({ format });
    const header = pay();
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', header).expect(200);
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', header).expect(200); // replayed
    const lines = logger.x402();
    expect(lines.map((l) => l.level)).toEqual(['log', 'log']);
    if (format === 'object') {
      expect(lines[0].message).toEqual({
        msg: 'x402 payment settled',
        event: 'settled',
        receiptId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        route: 'GET /paid',
        network: NETWORK,
        asset: accepted.asset,
        amount: '10000',
        payer: PAYER,
        transaction: '0xfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeedfeed',
        mode: 'authorization',
        latencyMs: expect.any(Number),
      });
      expect(lines[1].message).toMatchObject({ msg: 'x402 payment replayed', receiptId: (lines[0].message as { receiptId: string }).receiptId });
    } else {
      expect(lines[0].message).toMatch(/^x402 payment settled receiptId=[0-9a-f-]{36} route="GET \/paid" network=eip155:8453 asset=0x\w+ amount=10000 payer=0x\w+ transaction=0x(?:feed){16} mode=authorization latencyMs=\d+$/);
      expect(String(lines[0].message)).not.toContain('\n');
    }
    const logged = everything();
    expect(logged).not.toContain(SIGNATURE.slice(2, 40));
    for (const n of nonces) expect(logged.toLowerCase()).not.toContain(n.slice(2).toLowerCase());
    for (const h of headers) expect(logged).not.toContain(h.slice(0, 40));
    // no field that could carry them either (mode=authorization is the settlement mode's name)
    expect(logged).not.toMatch(/signature|authorization\W{0,3}[:=]|nonce|valid(Before|After)|private/i);
  });

  it('logs refusals and handler errors as warnings with stage and reason, and nothing for a bare 402', async () => {
    await start({ format: 'object' });
    await request(app.getHttpServer()).get('/paid').expect(402);
    facilitator.verify.mockResolvedValueOnce({ isValid: false, invalidReason: 'insufficient_funds' });
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(402);
    await request(app.getHttpServer()).get('/paid/broken').set('PAYMENT-SIGNATURE', pay()).expect(400);
    facilitator.settle.mockResolvedValueOnce({ success: false, errorReason: 'transaction_failed', transaction: '', network: NETWORK });
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(402);
    const outcomes = logger.x402().filter((l) => typeof l.message === 'object');
    expect(outcomes.map((l) => [l.level, (l.message as { stage: string }).stage, (l.message as { reason: string }).reason])).toEqual([
      ['warn', 'verify', 'insufficient_funds'],
      ['warn', 'handler', 'handler_error'],
      ['warn', 'settle', 'transaction_failed'],
    ]);
    for (const { message } of outcomes) expect(message).toHaveProperty('receiptId');
    const logged = everything();
    for (const n of nonces) expect(logged.toLowerCase()).not.toContain(n.slice(2).toLowerCase());
    expect(logged).not.toContain(SIGNATURE.slice(2, 40));
  });

  it('logs verified payments too when asked', async () => {
    await start({ format: 'text', verified: true });
    await request(app.getHttpServer()).get('/paid').set('PAYMENT-SIGNATURE', pay()).expect(200);
    expect(logger.x402().map((l) => String(l.message).split(' receiptId')[0])).toEqual(['x402 payment verified', 'x402 payment settled']);
  });
});
