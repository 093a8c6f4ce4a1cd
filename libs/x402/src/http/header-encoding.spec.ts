import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequired, SettleResponse } from '@x402/core/types';
import { encodePaymentRequired, encodePaymentResponse } from './header-encoding.js';

const requirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '10000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
};

describe('header encoding', () => {
  it.each([
    ['ASCII', 'Seven-day forecast'],
    ['non-ASCII text', 'Prévisions à sept jours — 東京 🌧'],
    ['a lone surrogate', 'broken \ud800 text'],
    ['an empty description', ''],
  ])('encodes PAYMENT-REQUIRED exactly as @x402/core does (%s)', (_, description) => {
    const paymentRequired = {
      x402Version: 2,
      error: 'Payment required',
      resource: { url: 'https://api.example.com/weather/forecast/lisbon?x=1&y=ü', description, mimeType: 'application/json' },
      accepts: [requirements],
      extensions: { 'payment-identifier': { info: { required: false } } },
    } as PaymentRequired;
    expect(encodePaymentRequired(paymentRequired)).toBe(encodePaymentRequiredHeader(paymentRequired));
  });

  it('encodes PAYMENT-RESPONSE exactly as @x402/core does, without extensionResponses', () => {
    const settlement = {
      success: true,
      transaction: '0xabc',
      network: 'eip155:84532',
      payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      extra: { settlement: 'deferred', receipt: 'é' },
      extensionResponses: { secret: true },
    } as unknown as SettleResponse;
    expect(encodePaymentResponse(settlement)).toBe(encodePaymentResponseHeader(settlement));
    expect(Buffer.from(encodePaymentResponse(settlement), 'base64').toString()).not.toContain('extensionResponses');
  });
});
