import { wrapFetchWithSIWx } from '@x402/extensions/sign-in-with-x';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';

/** Paid sessions: pay once for a route with `access: '1h'`, come back by signing in (sign-in-with-x), never pay twice. */
describe('paid sessions with sign-in-with-x (PostgreSQL ledger, anvil)', () => {
  let demo: DemoHarness;
  const route = () => `${demo.url}/reports/summary`;

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  const merchant = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);

  it('declares sign-in-with-x in the 402 of a route with an access window', async () => {
    const res = await fetch(route());
    expect(res.status).toBe(402);
    const body = await res.json();
    const declaration = body.extensions['sign-in-with-x'];
    expect(declaration.info).toMatchObject({ domain: new URL(demo.url).host, uri: route(), version: '1' });
    expect(declaration.supportedChains).toEqual([{ chainId: demo.devnet.network, type: 'eip191' }]);
    const other = await (await fetch(`${demo.url}/weather/forecast/lisbon`)).json();
    expect(other.extensions?.['sign-in-with-x']).toBeUndefined();
  });

  it('a payer who paid signs in and is served again without paying; a sign-in is used once', async () => {
    const buyer = demo.devnet.accounts.buyer.account;
    expect((await payingFetch(buyer)(route())).status).toBe(200);
    const afterPaying = await merchant();

    const signedIn = wrapFetchWithSIWx(fetch, buyer);
    const again = await signedIn(route());
    expect(again.status).toBe(200);
    expect(again.headers.get('payment-response')).toBeNull();
    expect((await again.json()).cities).toHaveLength(8);
    expect(await merchant()).toBe(afterPaying);

    // replaying the captured sign-in header is refused
    let header = '';
    const capture = wrapFetchWithSIWx(async (input, init) => {
      const request = new Request(input, init);
      header = request.headers.get('sign-in-with-x') ?? header;
      return fetch(request);
    }, buyer);
    expect((await capture(route())).status).toBe(200);
    const replayed = await fetch(route(), { headers: { 'SIGN-IN-WITH-X': header } });
    expect(replayed.status).toBe(402);
    expect((await replayed.json()).error).toBe('invalid_siwx_nonce');
  });

  it('a wallet that never paid is refused with 402 no_paid_access', async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const res = await wrapFetchWithSIWx(fetch, stranger)(route());
    expect(res.status).toBe(402);
    expect((await res.json()).error).toBe('no_paid_access');
  });

  it('a payment for one report does not open another', async () => {
    const res = await wrapFetchWithSIWx(fetch, demo.devnet.accounts.buyer.account)(`${demo.url}/reports/heat-2026`);
    expect(res.status).toBe(402);
    expect((await res.json()).error).toBe('no_paid_access');
  });

  it('a malformed sign-in header is a 402 with a code, never a 5xx', async () => {
    for (const header of ['%%%', Buffer.from('{"domain":1}').toString('base64'), Buffer.from('null').toString('base64')]) {
      const res = await fetch(route(), { headers: { 'SIGN-IN-WITH-X': header } });
      expect(res.status).toBe(402);
      expect((await res.json()).error).toBe('invalid_siwx_header');
    }
  });
});
