import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { randomBytes } from 'node:crypto';
import type { X402RemoteFacilitatorOptions } from '@nestjs-x402/core';
import { ADAPTERS, challengeOf, errorOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';
import { startLyingFacilitator, type LyingFacilitator } from './support/lying-facilitator.js';

type Receipt = { id: string; state: string; transaction?: string };

const hex = (bytes: number) => `0x${randomBytes(bytes).toString('hex')}`;

/**
 * Issue #14, finding 15: a facilitator (or whoever sits between it and the server: `http://` URLs are accepted)
 * that lies. Its answers are read within 64 KiB, its reasons are bounded before they reach headers and logs, and a
 * `success: true` is believed only when it fits the payment and the chain shows the transfer: a made-up settlement
 * is never served as paid nor recorded settled; the payment is held and reconciled from the chain.
 */
describe.each(ADAPTERS)('a lying facilitator (anvil, PostgreSQL ledger, %s)', (adapter) => {
  let demo: DemoHarness;
  let liar: LyingFacilitator;
  let accepted: PaymentRequirements;
  let route: string;

  const receiptsOf = async (payer: string): Promise<Receipt[]> =>
    (await (await fetch(`${demo.url}/admin/receipts?limit=1000&payer=${payer}`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json()).receipts;
  const merchant = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
  const pay = async () => {
    const header = await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId, { nonce: hex(32) as `0x${string}` });
    const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
    const text = await res.text();
    return { res, text, body: JSON.parse(text) as unknown, header };
  };

  beforeAll(async () => {
    liar = await startLyingFacilitator();
    // X402_SETTLEMENT_HOLD_MS: a held settlement is reconciled from the chain after half a second
    demo = await startDemo({}, { X402_SETTLEMENT_HOLD_MS: '500' }, {
      adapter,
      facilitator: 'remote',
      x402: (options) => {
        liar.target = (options.facilitator as X402RemoteFacilitatorOptions).url;
        return { ...options, facilitator: { type: 'remote', url: liar.url, timeoutMs: 10_000 } };
      },
    });
    route = `${demo.url}/weather/forecast/lisbon`;
    accepted = await challengeOf(route);
  });
  afterAll(async () => {
    await demo?.close();
    await liar?.close();
  });
  beforeEach(() => (liar.lies = {}));

  it('a 200 MB verify answer: read no further than the limit, 502 facilitator_response_too_large, nothing served', async () => {
    liar.lies = { verify: { stream: 200 * 1024 * 1024 } };
    const rss = process.memoryUsage().rss;
    const before = await merchant();
    const { res, body } = await pay();
    expect([res.status, errorOf(body).code]).toEqual([502, 'facilitator_response_too_large']);
    expect(liar.sent).toBeLessThan(32 * 1024 * 1024); // the transfer was aborted, not read to its end
    expect(process.memoryUsage().rss - rss).toBeLessThan(150 * 1024 * 1024);
    expect(await merchant()).toBe(before);
  });

  it.each([
    ['everything made up (transaction, payer, network, amount)', () => ({ success: true, transaction: hex(32), payer: hex(20), network: 'eip155:1', amount: '1' }), 'facilitator_answer_mismatch'],
    ['another payer', (req: any) => ({ success: true, transaction: hex(32), payer: hex(20), network: req.paymentRequirements.network }), 'facilitator_answer_mismatch'],
    ['another amount', (req: any) => ({ success: true, transaction: hex(32), payer: req.paymentPayload.payload.authorization.from, network: req.paymentRequirements.network, amount: '1' }), 'facilitator_answer_mismatch'],
    ['a transaction that is not a hash', (req: any) => ({ success: true, transaction: 'ok', payer: req.paymentPayload.payload.authorization.from, network: req.paymentRequirements.network }), 'facilitator_answer_mismatch'],
    ['a made-up transaction hash, all else right', (req: any) => ({ success: true, transaction: hex(32), payer: req.paymentPayload.payload.authorization.from, network: req.paymentRequirements.network }), 'settlement_unverified'],
  ] as const)('a settle success with %s: not served, held as pending (never a success), not recorded settled', async (_, answer, _logged) => {
    liar.lies = { settle: { json: answer } };
    const before = await merchant();
    const { res, body, text } = await pay();
    // the facilitator may have moved the money all the same: pending, to be reconciled from the chain, never a 402
    expect([res.status, errorOf(body).code]).toEqual([503, 'settlement_pending']);
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: false, errorReason: 'settlement_pending' });
    expect(text).not.toContain('days'); // the forecast was withheld
    expect(await merchant()).toBe(before);
    const receipts = await receiptsOf(demo.devnet.accounts.buyer.address);
    expect(receipts.filter((r) => r.state === 'settled')).toEqual([]);
  });

  it('a real settlement reported with a made-up transaction is held, then reconciled from the chain with the real one', async () => {
    const buyer = demo.devnet.accounts.buyer.address;
    let real = '';
    liar.lies = { settle: { forward: true, json: (_req, forwarded) => ((real = forwarded.transaction), { ...forwarded, transaction: hex(32) }) } };
    const before = await merchant();
    const { res, header } = await pay();
    expect(res.status).toBe(503);
    expect((await merchant()) - before).toBe(10_000n); // the money did move
    liar.lies = {};
    const deadline = Date.now() + 20_000;
    let receipt: Receipt | undefined;
    while (Date.now() < deadline && receipt?.state !== 'settled') {
      receipt = (await receiptsOf(buyer)).find((r) => r.transaction === real);
      if (receipt?.state !== 'settled') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(receipt).toMatchObject({ state: 'settled', transaction: real });
    const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(retry.status).toBe(200);
    expect(decodePaymentResponseHeader(retry.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: real });
    expect((await merchant()) - before).toBe(10_000n);
  });

  it('a 20 KB reason with line breaks: the 402 headers stay short and readable, with a code', async () => {
    const reason = `oops\nFORGED ${'x'.repeat(20_000)}`;
    liar.lies = { verify: { json: () => ({ isValid: false, invalidReason: reason, invalidMessage: reason }) } };
    const refused = await pay();
    expect(refused.res.status).toBe(402);
    const required = refused.res.headers.get('payment-required')!;
    expect(required.length).toBeLessThan(4096);
    expect(decodePaymentRequiredHeader(required).error).toBe('payment_verification_failed');
    expect(refused.text).not.toContain('FORGED');

    liar.lies = { settle: { json: (req: any) => ({ success: false, errorReason: reason, errorMessage: reason, transaction: '', network: req.paymentRequirements.network }) } };
    const failed = await pay();
    expect(failed.res.status).toBe(402);
    const response = failed.res.headers.get('payment-response')!;
    expect(response.length).toBeLessThan(1024);
    expect(decodePaymentResponseHeader(response)).toMatchObject({ success: false, errorReason: 'settlement_failed' });
    expect(failed.text).not.toContain('FORGED');
  });
});
