import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import {
  challengeOf,
  decodeSettlementHeader,
  describePaymentFailure,
  formatBalance,
  formatPayHuman,
  formatPayJson,
  formatPaymentFailure,
  formatRequirementsHuman,
  parseBody,
  type PayOutcome,
} from './output.js';

const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TX = `0x${'cd'.repeat(32)}`;
const settled: SettleResponse = { success: true, transaction: TX, network: 'eip155:31337', payer: PAYER };

describe('decodeSettlementHeader', () => {
  it('decodes a v2 PAYMENT-RESPONSE made by encodePaymentResponseHeader', () => {
    const headers = new Headers({ 'PAYMENT-RESPONSE': encodePaymentResponseHeader(settled) });
    expect(decodeSettlementHeader(headers)).toEqual({ header: 'PAYMENT-RESPONSE', response: settled });
  });

  it('falls back to the v1 X-PAYMENT-RESPONSE', () => {
    const headers = new Headers({ 'X-PAYMENT-RESPONSE': encodePaymentResponseHeader({ ...settled, network: 'base-sepolia' as never }) });
    expect(decodeSettlementHeader(headers)).toMatchObject({ header: 'X-PAYMENT-RESPONSE', response: { network: 'base-sepolia' } });
  });

  it('reports a malformed header instead of throwing, and nothing when absent', () => {
    expect(decodeSettlementHeader(new Headers({ 'PAYMENT-RESPONSE': '%%%' }))).toMatchObject({
      header: 'PAYMENT-RESPONSE',
      error: expect.stringContaining('cannot decode PAYMENT-RESPONSE'),
    });
    expect(decodeSettlementHeader(new Headers())).toBeUndefined();
  });
});

describe('describePaymentFailure', () => {
  it('collects our JSON error, the challenge error and the settlement failure', () => {
    const headers = new Headers({
      'PAYMENT-REQUIRED': encodePaymentRequiredHeader({ x402Version: 2, error: 'invalid_exact_evm_payload_signature', resource: { url: 'http://x' }, accepts: [] }),
    });
    const failure = describePaymentFailure(
      headers,
      { error: { code: 'payment_verification_failed', message: 'bad signature' } },
      { success: false, errorReason: 'insufficient_funds', errorMessage: 'balance too low', transaction: '', network: 'eip155:31337' },
    );
    expect(failure).toEqual({
      code: 'payment_verification_failed',
      message: 'bad signature',
      challengeError: 'invalid_exact_evm_payload_signature',
      settlementReason: 'insufficient_funds: balance too low',
    });
    expect(formatPaymentFailure(failure)).toEqual([
      'payment_verification_failed: bad signature',
      'challenge error: invalid_exact_evm_payload_signature',
      'settlement failure: insufficient_funds: balance too low',
    ]);
  });

  it('says so when the server gave no reason', () => {
    expect(formatPaymentFailure(describePaymentFailure(new Headers(), 'nope'))).toEqual(['the server gave no reason']);
  });

  it('reads the code and message of a 402 body, whose error is a string', () => {
    const failure = describePaymentFailure(new Headers(), { x402Version: 1, error: 'payment_requirements_mismatch', message: 'sign one of accepts', accepts: [] });
    expect(failure).toMatchObject({ code: 'payment_requirements_mismatch', message: 'sign one of accepts' });
    expect(formatPaymentFailure(failure)).toEqual(['payment_requirements_mismatch: sign one of accepts']);
    expect(describePaymentFailure(new Headers(), { x402Version: 1, error: 'X-PAYMENT header is required', accepts: [] })).toMatchObject({ message: 'X-PAYMENT header is required' });
  });
});

describe('challengeOf', () => {
  it('prefers the v2 header and understands a v1 body', () => {
    const v2 = { x402Version: 2, resource: { url: 'http://x' }, accepts: [] };
    expect(challengeOf(new Headers({ 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(v2) }), {})).toEqual(v2);
    const v1 = { x402Version: 1, accepts: [] };
    expect(challengeOf(new Headers(), v1)).toBe(v1);
    expect(challengeOf(new Headers(), { error: 'x' })).toBeUndefined();
  });
});

describe('parseBody', () => {
  it('parses JSON by content type or shape, keeps text otherwise', () => {
    expect(parseBody('{"a":1}', 'application/json; charset=utf-8')).toEqual({ body: { a: 1 }, isJson: true });
    expect(parseBody('[1]', null)).toEqual({ body: [1], isJson: true });
    expect(parseBody('{broken', 'application/json')).toEqual({ body: '{broken', isJson: false });
    expect(parseBody('hello', 'text/plain')).toEqual({ body: 'hello', isJson: false });
  });
});

describe('pay output', () => {
  const outcome = (): PayOutcome => ({
    method: 'GET',
    url: 'http://localhost:3000/paid',
    status: 200,
    statusText: 'OK',
    headers: new Headers({ 'content-type': 'application/json', 'PAYMENT-RESPONSE': encodePaymentResponseHeader(settled), 'x-powered-by': 'Express' }),
    body: { hello: 'world' },
    bodyIsJson: true,
    paid: { amount: '10000', asset: '0xToken', network: 'eip155:31337', payTo: '0xSeller', scheme: 'exact', decimals: 6, x402Version: 2 },
    settlement: { header: 'PAYMENT-RESPONSE', response: settled },
  });

  it('prints request line, price, status, headers of interest, pretty body and the decoded settlement', () => {
    const text = formatPayHuman(outcome());
    expect(text.split('\n')[0]).toBe('GET http://localhost:3000/paid');
    expect(text).toContain('Paid:    $0.01 (10000 atomic units, 6 decimals) of 0xToken on eip155:31337 to 0xSeller');
    expect(text).toContain('Status:  200 OK');
    expect(text).toContain('  content-type: application/json');
    expect(text).not.toContain('x-powered-by');
    expect(text).toContain('    "hello": "world"');
    expect(text).toContain(`Payment response (PAYMENT-RESPONSE):\n  success: true\n  transaction: ${TX}\n  network: eip155:31337\n  payer: ${PAYER}`);
  });

  it('labels a rejected payment as signed, not paid', () => {
    const text = formatPayHuman({ ...outcome(), status: 402, failure: { code: 'payment_verification_failed' } });
    expect(text).toContain('Signed:  $0.01');
    expect(text).toContain('Payment rejected:\n  payment_verification_failed');
  });

  it('prints one JSON object for scripts', () => {
    const json = JSON.parse(formatPayJson(outcome()));
    expect(json).toEqual({
      status: 200,
      headers: expect.objectContaining({ 'content-type': 'application/json', 'payment-response': expect.any(String) }),
      body: { hello: 'world' },
      paymentResponse: settled,
      paid: { amount: '10000', asset: '0xToken', network: 'eip155:31337', payTo: '0xSeller', scheme: 'exact', usd: '$0.01' },
    });
  });

  it('formats balances with the delta', () => {
    expect(formatBalance({ asset: '0xToken', decimals: 6, before: 5_000_000n, after: 4_990_000n })).toBe('Balance: 5 -> 4.99 (-0.01) of 0xToken');
    expect(formatBalance({ asset: '0xToken', decimals: 6, error: 'balance read failed: timeout' })).toBe('Balance: ? -> ? of 0xToken [balance read failed: timeout]');
  });
});

describe('formatRequirementsHuman', () => {
  it('lists each accept with its USD price', () => {
    const text = formatRequirementsHuman({
      x402Version: 2,
      resource: { url: 'http://x/paid', description: 'weather' },
      accepts: [{ scheme: 'exact', network: 'eip155:31337', asset: '0xToken', amount: '1500000', payTo: '0xSeller', maxTimeoutSeconds: 300, extra: { name: 'USD Coin', version: '2', decimals: 6 } }],
    });
    expect(text).toContain('resource: http://x/paid (weather)');
    expect(text).toContain('amount:            1500000 = $1.50 at 6 decimals');
    expect(text).toContain('asset:             0xToken (USD Coin v2)');
    expect(text).toContain('maxTimeoutSeconds: 300');
  });
});
