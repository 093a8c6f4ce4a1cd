import type { PaymentRequirements } from '@x402/core/types';
import { resolveX402Config } from '../config/x402.config.js';
import { decodePaymentHeader } from '../methods/signed/payment-header.codec.js';
import { setRequestState, type X402RequestState } from '../methods/signed/request-state.js';
import { paymentInfoFor, priceDescription, priceLabel } from '../openapi/payment-info.js';
import { quotePrice } from '../pricing/price.js';
import { RoutePricingService, type RoutePlan } from '../pricing/route-pricing.service.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { settledAmountsFor, settlementOverridesFor } from './upto-settlement.js';
import { usageOf } from './usage.decorator.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const FACILITATOR = { verify: async () => ({ isValid: true }), settle: async () => ({}), getSupported: async () => ({ kinds: [] }) } as never;

const config = resolveX402Config({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: FACILITATOR } });
const upto: PaymentRequirements = { scheme: 'upto', network: NETWORK, amount: '100000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USD Coin', version: '2' } };

function uptoHeader(nonce = '123456789') {
  const payload = {
    signature: `0x${'11'.repeat(65)}`,
    permit2Authorization: {
      from: PAYER,
      permitted: { token: USDC, amount: '100000' },
      spender: '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002',
      nonce,
      deadline: '1900000000',
      witness: { to: PAY_TO, facilitator: PAYER, validAfter: '0' },
    },
  };
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted: upto, payload })).toString('base64');
}

function stateFor(requirements: PaymentRequirements): { request: object; state: X402RequestState } {
  const request = {};
  const state = { requirements, offer: { quotes: quotePrice('0.10', config.accepted) }, replay: false } as unknown as X402RequestState;
  setRequestState(request, state);
  return { request, state };
}

describe('upto payments', () => {
  it('decodes a Permit2 payload and reads its payer, maximum, deadline and nonce like an EIP-3009 authorization', () => {
    const decoded = decodePaymentHeader(uptoHeader(), 8192);
    expect(decoded.authorization).toEqual({ from: PAYER, to: PAY_TO, value: '100000', validAfter: '0', validBefore: '1900000000', nonce: `0x${'0'.repeat(57)}75bcd15` });
  });

  it('refuses a Permit2 payload with a nonce beyond 256 bits, or an EIP-3009 payload under an upto requirement', () => {
    expect(() => decodePaymentHeader(uptoHeader('9'.repeat(78)), 8192)).toThrow(/payload\.permit2Authorization\.nonce/);
    const eip3009 = { x402Version: 2, accepted: upto, payload: { signature: `0x${'11'.repeat(65)}`, authorization: {} } };
    expect(() => decodePaymentHeader(Buffer.from(JSON.stringify(eip3009)).toString('base64'), 8192)).toThrow(/payload\.permit2Authorization/);
  });

  it('settles what the handler charged, capped, or the maximum when it charged nothing; other schemes get no override', () => {
    const reported = stateFor(upto);
    usageOf(reported.request).charge('0.03');
    expect(settlementOverridesFor(reported.state)).toEqual({ amount: '30000' });
    expect(settledAmountsFor(reported.state, { success: true, transaction: '0x1', network: NETWORK, amount: '30000' })).toEqual({ authorized: '100000', settled: '30000' });

    const greedy = stateFor(upto);
    usageOf(greedy.request).charge('5.00');
    expect(settlementOverridesFor(greedy.state)).toEqual({ amount: '100000' });

    expect(settlementOverridesFor(stateFor(upto).state)).toEqual({ amount: '100000' });
    expect(settlementOverridesFor(stateFor({ ...upto, scheme: 'exact' }).state)).toBeUndefined();
    expect(usageOf(stateFor({ ...upto, scheme: 'exact' }).request).active).toBe(false);
    expect(usageOf({}).active).toBe(false);
  });

  describe('planning @Priced({ upTo })', () => {
    const pricing = new RoutePricingService(config, new X402ResourceServerHost(config, FACILITATOR));
    class Api {}
    const handler = (name: string) => Object.defineProperty(function () {}, 'name', { value: name });

    it('plans the upto scheme, settled after the handler whatever the module default', () => {
      const plan = pricing.planFor(Api as never, handler('a'), { price: { upTo: '0.10' }, options: {} });
      expect(plan).toMatchObject({ scheme: 'upto', settlement: 'authorization' });
      expect(plan.quotes!.map((q) => q.amount)).toEqual([100_000n]);
    });

    it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
      ['a settle-first mode', { upTo: '0.10' }, { settlement: 'upfront' }, /settlement.*settles after the handler/],
      ['a price function', { upTo: () => '0.10' }, {}, /upTo.*not a function/],
      ['a bad amount', { upTo: 'ten' }, {}, /upTo.*not a USD amount/],
      ['transaction-hash proofs', { upTo: '0.10' }, { txProof: true }, /txProof.*cannot be paid by a transaction hash/],
    ])('refuses %s at startup', (name, price, options, message) => {
      expect(() => pricing.planFor(Api as never, handler(name.replace(/\W/g, '')), { price: price as never, options })).toThrow(message);
    });

    it('leaves txProof off (signed payments only) without a JSON-RPC URL to read the chain', () => {
      expect(pricing.planFor(Api as never, handler('p'), { price: '0.01', options: { txProof: true } }).txProof).toBeUndefined();
    });
  });

  it('documents an upto price as "up to" the maximum, and tx-hash entries after the signed ones', () => {
    const plan: RoutePlan = { route: 'GET /x', options: {}, payTo: config.payTo, maxTimeoutSeconds: 60, quotes: quotePrice('0.10', config.accepted), scheme: 'upto' };
    const info = paymentInfoFor(plan, config.accepted);
    expect(info.price).toEqual({ mode: 'dynamic', currency: 'USD', max: '0.1', description: expect.stringMatching(/^usage-based/) });
    expect(info.protocols[0].x402).toMatchObject({ scheme: 'upto', accepts: [{ scheme: 'upto', amount: '100000', extra: { assetTransferMethod: 'permit2' } }] });
    expect(priceLabel(info)).toBe('Up to $0.10 · USDC');
    expect(priceDescription(info)).toContain('**x402 price: up to $0.10 (USD)**');

    const proofs: RoutePlan = { ...plan, scheme: undefined, quotes: quotePrice('0.02', config.accepted), txProof: { confirmations: { [NETWORK]: 3 }, ttlSeconds: 600 } };
    const documented = paymentInfoFor(proofs, config.accepted);
    expect(documented.protocols[0].x402.accepts.map((a) => [a.scheme, a.amount, a.maxTimeoutSeconds, a.extra.confirmations])).toEqual([
      ['exact', '20000', 60, undefined],
      ['tx-hash', '20000', 600, 3],
    ]);
    expect(priceDescription(documented)).toContain('X-PAYMENT-PROOF');
  });
});
