import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ADAPTERS, challengeOf, errorOf, payingFetch, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';

/**
 * Every refusal branch against the real facilitator and chain: a stable code, a fitting status,
 * never a 5xx for client input, never a charge, never the paid content.
 */
describe.each(ADAPTERS)('bad payments (anvil, local facilitator, %s)', (adapter) => {
  let demo: DemoHarness;
  let accepted: PaymentRequirements;
  let route: string;
  const buyer = () => demo.devnet.accounts.buyer.account;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter });
    route = `${demo.url}/weather/forecast/lisbon`;
    accepted = await challengeOf(route);
  });
  afterAll(() => demo?.close());

  const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
  const send = (header: string) => fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });

  async function expectRefused(header: string, status: number, code: string) {
    const before = await payTo();
    const res = await send(header);
    const body = await res.json();
    if (process.env.X402_TEST_VERBOSE) console.log(status, body.error);
    expect(res.status).toBe(status);
    expect(errorOf(body).code).toBe(code);
    expect(typeof errorOf(body).message).toBe('string');
    expect(body).not.toHaveProperty('days');
    expect(await payTo()).toBe(before);
    return { res, body };
  }

  it('402 with the facilitator reason for an amount lower than signed-for (signature over the lower value)', async () => {
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId, { value: '9999' });
    const { res } = await expectRefused(header, 402, 'invalid_exact_evm_payload_authorization_value_mismatch');
    expect(decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts[0].amount).toBe('10000');
  });

  it('402 with the facilitator reason for a payment to another recipient', async () => {
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId, { to: demo.devnet.accounts.deployer.address });
    await expectRefused(header, 402, 'invalid_exact_evm_recipient_mismatch');
  });

  it('402 for an expired authorization', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId, { validAfter: String(now - 900), validBefore: String(now - 60) });
    await expectRefused(header, 402, 'invalid_exact_evm_payload_authorization_valid_before');
  });

  it('402 for an authorization not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId, { validAfter: String(now + 3600) });
    await expectRefused(header, 402, 'invalid_exact_evm_payload_authorization_valid_after');
  });

  it('402 for a bad signature (signed by someone else for the buyer)', async () => {
    const forged = JSON.parse(Buffer.from(await signPayment(privateKeyToAccount(generatePrivateKey()), accepted, demo.devnet.chainId), 'base64').toString());
    forged.payload.authorization.from = demo.devnet.accounts.buyer.address;
    await expectRefused(Buffer.from(JSON.stringify(forged)).toString('base64'), 402, 'invalid_exact_evm_signature');
  });

  it('402 invalid_exact_evm_insufficient_balance for a payer without USDC', async () => {
    const header = await signPayment(privateKeyToAccount(generatePrivateKey()), accepted, demo.devnet.chainId);
    await expectRefused(header, 402, 'invalid_exact_evm_insufficient_balance');
  });

  it('402 payment_requirements_mismatch for another network, asset or payTo in accepted', async () => {
    for (const change of [{ network: 'eip155:8453' }, { asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' }, { payTo: demo.devnet.accounts.buyer.address }]) {
      const header = await signPayment(buyer(), { ...accepted, ...change } as PaymentRequirements, demo.devnet.chainId);
      await expectRefused(header, 402, 'payment_requirements_mismatch');
    }
  });

  it('400 for malformed headers, 431 for an oversized one', async () => {
    await expectRefused('%%%', 400, 'invalid_payment_header');
    await expectRefused(Buffer.from('{"x402Version":2}').toString('base64'), 400, 'invalid_payment_payload');
    await expectRefused(Buffer.from('{"x402Version":3}').toString('base64'), 400, 'unsupported_x402_version');
    await expectRefused('A'.repeat(10 * 1024), 431, 'payment_header_too_large');
  });

  it('a v1 payment (X-PAYMENT) on a network without a v1 name is a 402 payment_requirements_mismatch, the body stays v2', async () => {
    const { payload } = JSON.parse(Buffer.from(await signPayment(buyer(), accepted, demo.devnet.chainId), 'base64').toString());
    const v1 = Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload })).toString('base64');
    const before = await payTo();
    const res = await fetch(route, { headers: { 'X-PAYMENT': v1 } });
    const body = await res.json();
    expect([res.status, body.error, body.x402Version]).toEqual([402, 'payment_requirements_mismatch', 2]);
    expect(await payTo()).toBe(before);
  });

  it('a settled payment used again gets the same response, and is charged once', async () => {
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
    const before = await payTo();
    const first = await send(header);
    expect(first.status).toBe(200);
    const again = await send(header);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    expect(again.headers.get('payment-response')).toBe(first.headers.get('payment-response'));
    expect((await payTo()) - before).toBe(10_000n);
  });

  it('one signed payment sent 10 times at once and 10 times after: one charge, one transaction, no 5xx', async () => {
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
    const before = await payTo();
    const burst = await Promise.all(Array.from({ length: 10 }, () => send(header)));
    const after = [];
    for (let i = 0; i < 10; i++) after.push(await send(header));
    const all = [...burst, ...after];
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200));
    const transactions = new Set(all.map((r) => r.headers.get('payment-response')));
    expect(transactions.size).toBe(1);
    expect((await payTo()) - before).toBe(10_000n);
  });

  it('a settled payment presented on another route is refused with 402 payment_already_used', async () => {
    const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
    expect((await send(header)).status).toBe(200);
    const other = await fetch(`${demo.url}/weather/forecast/tokyo`, { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(other.status).toBe(402);
    expect(errorOf(await other.json()).code).toBe('payment_already_used');
  });

  it('the official client still pays after all of this', async () => {
    const res = await payingFetch(buyer())(route);
    expect(res.status).toBe(200);
  });
});
