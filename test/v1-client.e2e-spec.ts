import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { PaymentRequiredV1Schema } from '@x402/core/schemas';
import type { PaymentRequirements } from '@x402/core/types';
import { parseEventLogs } from 'viem';
import { ADAPTERS, challengeOf, payingFetch, signPayment, startDemo, v1PayingFetch, type DemoHarness } from './support/demo.harness.js';

const asV1 = (v2Header: string, network = 'base-sepolia') => {
  const { payload } = JSON.parse(Buffer.from(v2Header, 'base64').toString());
  return Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact', network, payload })).toString('base64');
};

/**
 * x402 v1 clients (the most installed ones) pay the same routes as v2 clients: on a chain with a v1
 * name (the devnet as chain 84532, "base-sepolia") the 402 body is a v1 PaymentRequired beside the
 * v2 PAYMENT-REQUIRED header, `X-PAYMENT` is verified and settled as v1, and one authorization is one
 * payment whichever header carries it.
 */
describe.each(ADAPTERS)('x402 v1 clients on base-sepolia (anvil chain 84532, %s)', (adapter) => {
  let demo: DemoHarness;
  let route: string;
  let accepted: PaymentRequirements;
  const buyer = () => demo.devnet.accounts.buyer.account;
  const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);

  beforeAll(async () => {
    demo = await startDemo({ chainId: 84532 }, {}, { adapter });
    route = `${demo.url}/weather/forecast/lisbon`;
    accepted = await challengeOf(route);
  });
  afterAll(() => demo?.close());

  it('answers 402 with the v2 header and a v1 PaymentRequired body with a readable message', async () => {
    const res = await fetch(route);
    expect(res.status).toBe(402);
    expect(decodePaymentRequiredHeader(res.headers.get('payment-required')!)).toMatchObject({
      x402Version: 2,
      accepts: [{ network: 'eip155:84532', amount: '10000', asset: demo.devnet.usdc.address }],
    });
    const body = await res.json();
    expect(PaymentRequiredV1Schema.safeParse(body).success).toBe(true);
    expect(body).toEqual({
      x402Version: 1,
      error: 'payment_required',
      message: expect.stringContaining('X-PAYMENT'),
      accepts: [
        {
          scheme: 'exact',
          network: 'base-sepolia',
          maxAmountRequired: '10000',
          resource: route,
          description: 'Seven-day forecast for one city',
          mimeType: 'application/json',
          payTo: demo.devnet.accounts.payTo.address,
          maxTimeoutSeconds: 300,
          asset: demo.devnet.usdc.address,
          extra: { name: 'USD Coin', version: '2' },
        },
      ],
    });
  });

  it('the official v1 client pays with X-PAYMENT and gets X-PAYMENT-RESPONSE; the chain moves the price once', async () => {
    const before = await payTo();
    const res = await v1PayingFetch(buyer())(route);
    expect(res.status).toBe(200);
    expect((await res.json()).city).toBe('lisbon');
    expect(res.headers.get('payment-response')).toBeNull();
    const settlement = decodePaymentResponseHeader(res.headers.get('x-payment-response')!);
    expect(settlement).toMatchObject({ success: true, network: 'base-sepolia', payer: demo.devnet.accounts.buyer.address });
    expect((await payTo()) - before).toBe(10_000n);
    const receipt = await demo.devnet.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` });
    const transfers = parseEventLogs({ abi: demo.devnet.usdc.abi, logs: receipt.logs, eventName: 'Transfer' });
    expect(transfers.map((t) => t.args)).toEqual([{ from: demo.devnet.accounts.buyer.address, to: demo.devnet.accounts.payTo.address, value: 10_000n }]);
  });

  it('pays a priced POST and a dynamically priced route as v1', async () => {
    const pay = v1PayingFetch(buyer());
    const before = await payTo();
    const search = await pay(`${demo.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'lisbon' }) });
    expect(search.status).toBe(200);
    const history = await pay(`${demo.url}/weather/history/tokyo?days=30`);
    expect(history.status).toBe(200);
    expect((await payTo()) - before).toBe(20_000n + 30_000n);
  });

  it.each([
    ['v1 first, then the same authorization as v2', 'X-PAYMENT', 'PAYMENT-SIGNATURE'],
    ['v2 first, then the same authorization as v1', 'PAYMENT-SIGNATURE', 'X-PAYMENT'],
  ])('one authorization is one payment: %s is charged once', async (_, first, second) => {
    const v2 = await signPayment(buyer(), accepted, demo.devnet.chainId);
    const headerFor = (name: string) => (name === 'X-PAYMENT' ? asV1(v2) : v2);
    const before = await payTo();
    const one = await fetch(route, { headers: { [first]: headerFor(first) } });
    expect(one.status).toBe(200);
    const two = await fetch(route, { headers: { [second]: headerFor(second) } });
    // the second use gets the stored response, its settlement header named the way its client reads it
    expect(two.status).toBe(200);
    expect(await two.json()).toEqual(await one.json());
    const settlementOf = (res: Response, name: string) => decodePaymentResponseHeader(res.headers.get(name === 'X-PAYMENT' ? 'x-payment-response' : 'payment-response')!);
    expect(settlementOf(two, second).transaction).toBe(settlementOf(one, first).transaction);
    expect((await payTo()) - before).toBe(10_000n);
  });

  it('refuses v1 payments it cannot take, with stable codes and no charge', async () => {
    const before = await payTo();
    const v2 = await signPayment(buyer(), accepted, demo.devnet.chainId);
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ 'X-PAYMENT': asV1(v2, 'base') }, 402, 'payment_requirements_mismatch'], // a network this route does not take
      [{ 'X-PAYMENT': v2 }, 400, 'unsupported_x402_version'], // a v2 payload in the v1 header
      [{ 'PAYMENT-SIGNATURE': asV1(v2) }, 400, 'unsupported_x402_version'], // a v1 payload in the v2 header
      [{ 'X-PAYMENT': asV1(v2), 'PAYMENT-SIGNATURE': v2 }, 400, 'invalid_payment_header'], // both at once
      [{ 'X-PAYMENT': Buffer.from('{"x402Version":1,"scheme":"exact"}').toString('base64') }, 400, 'invalid_payment_payload'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await fetch(route, { headers });
      const body = await res.json();
      expect([res.status, typeof body.error === 'string' ? body.error : body.error.code]).toEqual([status, code]);
    }
    const tampered = JSON.parse(Buffer.from(asV1(v2), 'base64').toString());
    tampered.payload.authorization.value = '1';
    const refused = await fetch(route, { headers: { 'X-PAYMENT': Buffer.from(JSON.stringify(tampered)).toString('base64') } });
    expect(refused.status).toBe(402);
    expect((await refused.json()).error).toMatch(/^invalid_exact_evm_/);
    expect(await payTo()).toBe(before);
  });

  it('the v2 client pays the same route', async () => {
    const res = await payingFetch(buyer())(route);
    expect(res.status).toBe(200);
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, network: 'eip155:84532' });
  });
});
