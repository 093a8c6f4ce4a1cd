import { decodePaymentRequiredHeader } from '@x402/core/http';
import { ADAPTERS, challengeOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';

/**
 * HEAD on a priced GET delivers no content, so it is never charged: it answers the route's 402
 * (with PAYMENT-REQUIRED, so a client can read the price), whatever payment it carries, and the
 * payment stays unused for the GET that follows.
 */
describe.each(ADAPTERS)('HEAD on a priced route (anvil, %s)', (adapter) => {
  let demo: DemoHarness;
  const route = () => `${demo.url}/weather/forecast/lisbon`;
  const merchant = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);

  beforeAll(async () => {
    demo = await startDemo({}, {}, { adapter });
  });
  afterAll(() => demo?.close());

  it('answers HEAD without payment with the 402 of the route', async () => {
    const res = await fetch(route(), { method: 'HEAD' });
    expect(res.status).toBe(402);
    expect(decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts[0].amount).toBe('10000');
  });

  it('never settles a paid HEAD; the payment then buys the GET, charged once', async () => {
    const header = await signPayment(demo.devnet.accounts.buyer.account, await challengeOf(route()), demo.devnet.chainId);
    const before = await merchant();
    for (const name of ['PAYMENT-SIGNATURE', 'X-PAYMENT']) {
      const head = await fetch(route(), { method: 'HEAD', headers: { [name]: header } });
      expect(head.status).toBe(402);
      expect(head.headers.get('payment-response')).toBeNull();
    }
    expect(await merchant()).toBe(before);
    const get = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(get.status).toBe(200);
    expect((await merchant()) - before).toBe(10_000n);
  });
});
