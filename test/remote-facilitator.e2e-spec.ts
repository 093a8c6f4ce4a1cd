import { decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import type { X402RemoteFacilitatorOptions } from '@nestjs-x402/core';
import { ADAPTERS, challengeOf, errorOf, payingFetch, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';

const API_KEY = 'Bearer test-facilitator-key';

/**
 * A facilitator service over HTTP (built from the reference libraries, on the devnet), used like a
 * hosted one: API key headers, a cached /supported, and a facilitator that hangs, fails or drops the
 * connection never turns into a 500 nor into content served for free.
 */
describe.each(ADAPTERS)('a remote facilitator service (anvil, %s)', (adapter) => {
  describe('with an API key and a short /supported cache', () => {
    let demo: DemoHarness;
    beforeAll(async () => {
      demo = await startDemo({}, {}, {
        adapter,
        facilitator: 'remote',
        facilitatorServer: { authorization: API_KEY },
        x402: (options) => ({
          ...options,
          facilitator: {
            ...(options.facilitator as X402RemoteFacilitatorOptions),
            supportedCacheTtlMs: 400,
            createAuthHeaders: async () => ({ verify: { Authorization: API_KEY }, settle: { Authorization: API_KEY }, supported: { Authorization: API_KEY } }),
          },
        }),
      });
    });
    afterAll(() => demo?.close());

    it('sends the API key headers of createAuthHeaders on every call, and payments go through', async () => {
      const res = await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/weather/forecast/lisbon`);
      expect(res.status).toBe(200);
      expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true });
      expect(demo.facilitator!.requests).toMatchObject({ verify: 1, settle: 1 });
    });

    it('asks /supported once per TTL, however many requests come', async () => {
      const first = demo.facilitator!.requests.supported;
      const paid = payingFetch(demo.devnet.accounts.buyer.account);
      for (let i = 0; i < 10; i++) expect((await fetch(`${demo.url}/weather/forecast/tokyo`)).status).toBe(402);
      expect((await paid(`${demo.url}/weather/forecast/tokyo`)).status).toBe(200);
      expect(demo.facilitator!.requests.supported).toBeLessThanOrEqual(first + 1);
      await new Promise((resolve) => setTimeout(resolve, 900)); // two TTLs
      expect(demo.facilitator!.requests.supported - first).toBeGreaterThanOrEqual(2);
      expect(demo.facilitator!.requests.supported - first).toBeLessThanOrEqual(3);
      expect((await paid(`${demo.url}/weather/forecast/tokyo`)).status).toBe(200);
    });

    it('a demo without the API key cannot use the facilitator: 503 facilitator_unavailable, never served', async () => {
      const keyless = await startDemo({}, { X402_FACILITATOR_URL: demo.facilitator!.url }, { adapter, devnet: demo.devnet });
      try {
        const res = await fetch(`${keyless.url}/weather/forecast/lisbon`);
        expect(res.status).toBe(503);
        expect(errorOf(await res.json()).code).toBe('facilitator_unavailable');
      } finally {
        await keyless.close();
      }
    });
  });

  describe('that misbehaves', () => {
    let demo: DemoHarness;
    let proxy: FaultProxy;
    let accepted: PaymentRequirements;
    let route: string;
    const buyer = () => demo.devnet.accounts.buyer.account;
    const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);

    beforeAll(async () => {
      proxy = await startFaultProxy();
      demo = await startDemo({}, {}, {
        adapter,
        facilitator: 'remote',
        x402: (options) => {
          proxy.target = (options.facilitator as X402RemoteFacilitatorOptions).url;
          return { ...options, facilitator: { type: 'remote', url: proxy.url, timeoutMs: 500 } };
        },
      });
      route = `${demo.url}/weather/forecast/lisbon`;
      accepted = await challengeOf(route);
    });
    afterEach(() => {
      proxy.faults = {};
    });
    afterAll(async () => {
      await demo?.close();
      await proxy?.close();
    });

    it.each([
      ['verify', 'hang', 504, 'facilitator_timeout'],
      ['verify', 500, 502, 'facilitator_error'],
      ['verify', 401, 502, 'facilitator_error'],
      ['verify', 'reset', 503, 'facilitator_unavailable'],
      ['settle', 'hang', 504, 'facilitator_timeout'],
      ['settle', 500, 502, 'facilitator_error'],
      ['settle', 'reset', 503, 'facilitator_unavailable'],
    ] as const)('%s that answers %s: %i %s, nothing served, nothing charged; the same payment goes through once the facilitator is back', async (endpoint, fault, status, code) => {
      const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
      const before = await payTo();
      proxy.faults = { [endpoint]: fault };
      const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = await res.json();
      expect([res.status, errorOf(body).code]).toEqual([status, code]);
      expect(body).not.toHaveProperty('days');
      if (endpoint === 'settle') {
        expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: false, errorReason: code });
      }
      expect(await payTo()).toBe(before);

      proxy.faults = {};
      const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(retry.status).toBe(200);
      expect((await payTo()) - before).toBe(10_000n);
    });
  });
});
