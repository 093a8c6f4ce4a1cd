import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { parseEventLogs } from 'viem';
import { ADAPTERS, payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';

const FACILITATORS = ['local', 'remote'] as const;
const MATRIX = ADAPTERS.flatMap((adapter) => FACILITATORS.map((facilitator) => [adapter, facilitator] as const));

/**
 * The official v2 client pays the demo's priced routes on a real chain, on Express and Fastify, through
 * the in-process facilitator and through a facilitator service (`X402_FACILITATOR_URL`).
 */
describe.each(MATRIX)('paying the demo API with the official x402 client (anvil, %s, %s facilitator)', (adapter, facilitator) => {
  let demo: DemoHarness;
  let pay: typeof fetch;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter, facilitator });
    pay = payingFetch(demo.devnet.accounts.buyer.account);
  });
  afterAll(() => demo?.close());

  const balances = async () => ({
    buyer: await demo.devnet.balanceOf(demo.devnet.accounts.buyer.address),
    payTo: await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address),
  });

  it('serves free routes without payment', async () => {
    expect((await fetch(`${demo.url}/weather/cities`)).status).toBe(200);
    expect((await fetch(`${demo.url}/reports`)).status).toBe(200);
    expect((await fetch(`${demo.url}/`)).status).toBe(200);
  });

  it('serves Swagger UI with its assets, and the OpenAPI document', async () => {
    const ui = await fetch(`${demo.url}/docs`);
    expect([ui.status, ui.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/html')]);
    expect((await fetch(`${demo.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    const document = await (await fetch(`${demo.url}/openapi.json`)).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/weather/forecast/{city}', '/search']));
  });

  it('answers a valid v2 402 on the $0.01 route', async () => {
    const res = await fetch(`${demo.url}/weather/forecast/lisbon`);
    expect(res.status).toBe(402);
    const required = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
    expect(required).toMatchObject({ x402Version: 2, resource: { url: `${demo.url}/weather/forecast/lisbon` } });
    expect(required.accepts).toEqual([
      {
        scheme: 'exact',
        network: demo.devnet.network,
        amount: '10000',
        asset: demo.devnet.usdc.address,
        payTo: demo.devnet.accounts.payTo.address,
        maxTimeoutSeconds: 300,
        extra: { name: 'USD Coin', version: '2' },
      },
    ]);
  });

  it.each([
    ['/weather/forecast/lisbon', 10_000n],
    ['/weather/history/tokyo?days=30', 30_000n],
    ['/reports/summary', 50_000n],
    ['/reports/heat-2026', 50_000n],
  ])('pays GET %s and the chain moves exactly the advertised amount', async (path, expected) => {
    const advertised = BigInt(decodePaymentRequiredHeader((await fetch(`${demo.url}${path}`)).headers.get('payment-required')!).accepts[0].amount);
    expect(advertised).toBe(expected);
    const before = await balances();
    const res = await pay(`${demo.url}${path}`);
    expect(res.status).toBe(200);
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    expect(settlement).toMatchObject({ success: true, network: demo.devnet.network, payer: demo.devnet.accounts.buyer.address });
    const after = await balances();
    expect(after.payTo - before.payTo).toBe(advertised);
    expect(before.buyer - after.buyer).toBe(advertised);

    const receipt = await demo.devnet.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` });
    const transfers = parseEventLogs({ abi: demo.devnet.usdc.abi, logs: receipt.logs, eventName: 'Transfer' });
    expect(transfers).toHaveLength(1);
    expect(transfers[0].args).toMatchObject({ from: demo.devnet.accounts.buyer.address, to: demo.devnet.accounts.payTo.address, value: advertised });
  });

  it('keeps priced answers out of shared caches: 402 and paid response private, no-store, varying on the payment headers', async () => {
    const challenge = await fetch(`${demo.url}/weather/forecast/lisbon`);
    expect(challenge.status).toBe(402);
    const paid = await pay(`${demo.url}/weather/forecast/lisbon`);
    expect(paid.status).toBe(200);
    for (const res of [challenge, paid]) {
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      const vary = res.headers.get('vary')!.split(',').map((name) => name.trim().toLowerCase());
      expect(vary).toEqual(expect.arrayContaining(['payment-signature', 'x-payment', 'x-payment-proof', 'sign-in-with-x']));
    }
    expect((await fetch(`${demo.url}/weather/cities`)).headers.get('cache-control')).toBeNull(); // free routes untouched
  });

  it('pays a priced POST with its body', async () => {
    const before = await balances();
    const res = await pay(`${demo.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'lisbon' }) });
    expect(res.status).toBe(200);
    expect((await res.json()).results[0].city).toBe('lisbon');
    expect((await balances()).payTo - before.payTo).toBe(20_000n);
  });

  it('charges nothing when the handler fails after verification', async () => {
    const before = await balances();
    const notFound = await pay(`${demo.url}/weather/forecast/atlantis`); // checked by the handler, after verification
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('payment-response')).toBeNull();
    const badBody = await pay(`${demo.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit: 5 }) });
    expect(badBody.status).toBe(400);
    expect(await balances()).toEqual(before);
  });

  if (facilitator === 'remote') {
    it('verified and settled every payment through the facilitator service', () => {
      expect(demo.facilitator!.requests).toMatchObject({ verify: 8, settle: 6 }); // 6 paid, 2 verified but not charged (handler failed)
    });
  }
});
