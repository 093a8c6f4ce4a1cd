import { decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { authorizationTypes } from '@x402/evm';
import { randomBytes } from 'node:crypto';
import { createWalletClient, http } from 'viem';
import { PAYMENT_STORE, reconcileLedger, type PaymentStore, type X402RemoteFacilitatorOptions } from '@nestjs-x402/core';
import { X402OutboxWorker } from '../libs/x402/src/settlement/outbox.worker.js';
import { ADAPTERS, challengeOf, errorOf, payingFetch, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';

const API_KEY = 'Bearer test-facilitator-key';

type Receipt = { id: string; state: string; transaction?: string };

const receiptsOf = async (demo: DemoHarness, payer: string): Promise<Receipt[]> =>
  (await (await fetch(`${demo.url}/admin/receipts?limit=1000&payer=${payer}`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json()).receipts;

/** Polls (bounded) until the payer's only receipt is settled, and returns it. */
async function settledEventually(demo: DemoHarness, payer: string): Promise<Receipt> {
  const deadline = Date.now() + 20_000;
  let receipts: Receipt[] = [];
  while (Date.now() < deadline) {
    receipts = await receiptsOf(demo, payer);
    if (receipts.length === 1 && receipts[0].state === 'settled') return receipts[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not settled: ${JSON.stringify(receipts)}`);
}

/** Runs the outbox until it took a payment (a held one is handed back once its hold ended), bounded. */
async function drainOnce(worker: X402OutboxWorker): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await worker.drain()) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the outbox took nothing');
}

/** Drops the payer's held (unsettled) claims, so that the next case starts from a clean ledger. */
async function clearHeld(demo: DemoHarness, payer: string): Promise<void> {
  const { DataSource } = await import('typeorm');
  const { DATABASE_URL } = await import('./support/databases.js');
  const db = await new DataSource({ type: 'postgres', url: DATABASE_URL, schema: demo.schema }).initialize();
  try {
    await db.query(`DELETE FROM ${demo.schema}.x402_payments WHERE payer = $1 AND state <> 'settled'`, [payer]);
  } finally {
    await db.destroy();
  }
}

/** The ledger against the chain (see `reconcileLedger`): clean, whatever the faults did. */
async function expectLedgerEqualsChain(demo: DemoHarness): Promise<void> {
  const report = await reconcileLedger({ store: demo.app.get<PaymentStore>(PAYMENT_STORE), rpcUrls: { [demo.devnet.network]: demo.devnet.rpcUrl }, fromBlock: 0n });
  expect(report).toMatchObject({ ok: true, mismatches: [], unreadable: [] });
  expect(report.settled).toBeGreaterThan(0);
}

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
      const started = Date.now();
      const paid = payingFetch(demo.devnet.accounts.buyer.account);
      for (let i = 0; i < 10; i++) expect((await fetch(`${demo.url}/weather/forecast/tokyo`)).status).toBe(402);
      expect((await paid(`${demo.url}/weather/forecast/tokyo`)).status).toBe(200);
      // At most one ask per TTL (400 ms) that passed, plus the one in flight: not one per request (11 here).
      const ttls = () => Math.ceil((Date.now() - started) / 400);
      expect(demo.facilitator!.requests.supported - first).toBeLessThanOrEqual(ttls() + 1);
      await new Promise((resolve) => setTimeout(resolve, 900)); // two TTLs
      expect(demo.facilitator!.requests.supported - first).toBeGreaterThanOrEqual(2);
      expect(demo.facilitator!.requests.supported - first).toBeLessThanOrEqual(ttls() + 1);
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

  describe('that settles, then answers 500', () => {
    let demo: DemoHarness;
    let proxy: FaultProxy;
    let accepted: PaymentRequirements;
    let route: string;

    beforeAll(async () => {
      proxy = await startFaultProxy();
      // X402_SETTLEMENT_HOLD_MS: an unconfirmed settlement is reconciled from the chain after half a second
      demo = await startDemo({}, { X402_SETTLEMENT_HOLD_MS: '500' }, {
        adapter,
        facilitator: 'remote',
        x402: (options) => {
          proxy.target = (options.facilitator as X402RemoteFacilitatorOptions).url;
          return { ...options, facilitator: { type: 'remote', url: proxy.url, timeoutMs: 5_000 } };
        },
      });
      route = `${demo.url}/weather/forecast/lisbon`;
      accepted = await challengeOf(route);
    });
    afterAll(async () => {
      await demo?.close();
      await proxy?.close();
    });

    it('answers 503 settlement_pending with the receipt (never a 402, never a plain success:false), finds the payment on chain, and replays the response to a retry of the same authorization without charging again', async () => {
      const buyer = demo.devnet.accounts.buyer;
      const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
      const header = await signPayment(buyer.account, accepted, demo.devnet.chainId);
      const before = await payTo();
      proxy.faults = { settle: 'done-then-500' };
      const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = await res.json();
      expect([res.status, errorOf(body).code]).toEqual([503, 'settlement_pending']);
      expect(body).not.toHaveProperty('days');
      expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect((await payTo()) - before).toBe(10_000n);
      const [held] = await receiptsOf(demo, buyer.address);
      expect(held.state).not.toBe('failed');
      // the money may have moved: the payer is told "pending, same authorization again", with its receipt
      expect(body.receipt).toBe(held.id);
      expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({
        success: false,
        errorReason: 'settlement_pending',
        payer: buyer.address,
        extra: { status: 'pending', receipt: held.id },
      });

      proxy.faults = {};
      const settled = await settledEventually(demo, buyer.address);
      expect(settled).toMatchObject({ state: 'settled', transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
      const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(retry.status).toBe(200);
      expect(await retry.json()).toHaveProperty('days');
      expect(decodePaymentResponseHeader(retry.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: settled.transaction });
      expect((await payTo()) - before).toBe(10_000n);
    });

    it.each(['another authorization with the same nonce', 'cancelAuthorization'] as const)('does not count a nonce the payer consumed another way (%s) as paid: reconciliation needs the Transfer to payTo', async (how) => {
      const buyer = demo.devnet.accounts.buyer;
      const worker = demo.app.get(X402OutboxWorker);
      const store = demo.app.get<PaymentStore>(PAYMENT_STORE);
      const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
      await worker.stop(); // the test drives the outbox
      try {
        const nonce = `0x${randomBytes(32).toString('hex')}` as `0x${string}`;
        const before = await payTo();
        proxy.faults = { settle: 500 }; // never reaches the facilitator: the outcome is open
        expect((await fetch(route, { headers: { 'PAYMENT-SIGNATURE': await signPayment(buyer.account, accepted, demo.devnet.chainId, { nonce }) } })).status).toBe(503);
        proxy.faults = {};
        const held = (await receiptsOf(demo, buyer.address)).find((r) => r.state === 'settling')!;
        expect(held).toBeDefined();

        // the payer spends the nonce without paying: another authorization to an address of its own (AuthorizationUsed,
        // a Transfer elsewhere), or a cancellation (AuthorizationCanceled); either way authorizationState reads "used"
        const domain = { name: demo.devnet.usdc.name, version: demo.devnet.usdc.version, chainId: demo.devnet.chainId, verifyingContract: demo.devnet.usdc.address };
        const wallet = createWalletClient({ account: buyer.account, chain: demo.devnet.chain, transport: http(demo.devnet.rpcUrl) });
        let hash: `0x${string}`;
        if (how === 'cancelAuthorization') {
          const types = { CancelAuthorization: [{ name: 'authorizer', type: 'address' }, { name: 'nonce', type: 'bytes32' }] } as const;
          const signature = await buyer.account.signTypedData({ domain, types, primaryType: 'CancelAuthorization', message: { authorizer: buyer.address, nonce } });
          hash = await wallet.writeContract({ address: demo.devnet.usdc.address, abi: demo.devnet.usdc.abi, functionName: 'cancelAuthorization', args: [buyer.address, nonce, signature] });
        } else {
          const message = { from: buyer.address, to: demo.devnet.accounts.deployer.address, value: 1n, validAfter: 0n, validBefore: 2n ** 40n, nonce };
          const signature = await buyer.account.signTypedData({ domain, types: authorizationTypes, primaryType: 'TransferWithAuthorization', message });
          hash = await wallet.writeContract({
            address: demo.devnet.usdc.address,
            abi: demo.devnet.usdc.abi,
            functionName: 'transferWithAuthorization',
            args: [message.from, message.to, message.value, message.validAfter, message.validBefore, message.nonce, signature],
          });
        }
        expect((await demo.devnet.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');

        await drainOnce(worker);
        expect(await store.findById(held.id)).toMatchObject({ state: 'failed', errorReason: 'authorization_used_without_payment' });
        expect(await payTo()).toBe(before);
      } finally {
        worker.start();
      }
    });

    it('keeps an unconfirmed settlement open until its authorization expired on chain, then fails it (authorization mode)', async () => {
      const buyer = demo.devnet.accounts.buyer;
      const worker = demo.app.get(X402OutboxWorker);
      const store = demo.app.get<PaymentStore>(PAYMENT_STORE);
      await worker.stop(); // the test drives the outbox
      try {
        const validBefore = Math.floor(Date.now() / 1000) + 60;
        const header = await signPayment(buyer.account, accepted, demo.devnet.chainId, { validBefore: String(validBefore) });
        proxy.faults = { settle: 500 }; // never reaches the facilitator: the module cannot know that
        expect((await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } })).status).toBe(503);
        proxy.faults = {};
        const held = (await receiptsOf(demo, buyer.address)).find((r) => r.state === 'settling')!;
        expect(held).toBeDefined();

        // the hold ends and the outbox reconciles: nonce unused, but the chain is before validBefore: it may still land
        await drainOnce(worker);
        expect(await store.findById(held.id)).toMatchObject({ state: 'settling' });
        // meanwhile a retry of the same authorization is told the same: pending, with its receipt (not 409, not a 402)
        const again = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
        const againBody = await again.json();
        expect([again.status, errorOf(againBody).code, againBody.receipt]).toEqual([503, 'settlement_pending', held.id]);
        expect(decodePaymentResponseHeader(again.headers.get('payment-response')!)).toMatchObject({ errorReason: 'settlement_pending', extra: { receipt: held.id } });

        // the chain's clock passes validBefore: the authorization can no longer land
        await demo.devnet.testClient.increaseTime({ seconds: 120 });
        await demo.devnet.testClient.mine({ blocks: 1 });
        await drainOnce(worker);
        expect(await store.findById(held.id)).toMatchObject({ state: 'failed', errorReason: 'settlement_interrupted' });
        // failed: the same authorization now gets the normal 402 (it expired), with the route's requirements
        const expired = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
        expect(expired.status).toBe(402);
        expect(expired.headers.get('payment-required')).not.toBeNull();
        expect(await expired.json()).not.toHaveProperty('days');
      } finally {
        worker.start();
      }
    });
    it('leaves the ledger equal to the chain (reconciliation report)', async () => {
      await expectLedgerEqualsChain(demo);
    });
  });

  describe('in deferred mode, whose first settle attempt lands and then answers 500', () => {
    let demo: DemoHarness;
    let proxy: FaultProxy;
    let accepted: PaymentRequirements;
    let route: string;

    beforeAll(async () => {
      proxy = await startFaultProxy();
      demo = await startDemo({}, { X402_SETTLEMENT_MODE: 'deferred' }, {
        adapter,
        facilitator: 'remote',
        x402: (options) => {
          proxy.target = (options.facilitator as X402RemoteFacilitatorOptions).url;
          return { ...options, facilitator: { type: 'remote', url: proxy.url, timeoutMs: 5_000 } };
        },
      });
      route = `${demo.url}/weather/forecast/lisbon`;
      accepted = await challengeOf(route);
    });
    afterAll(async () => {
      await demo?.close();
      await proxy?.close();
    });

    it('the next attempt reads the chain before sending again: settled once, not failed, not charged twice', async () => {
      const buyer = demo.devnet.accounts.buyer;
      const worker = demo.app.get(X402OutboxWorker);
      const store = demo.app.get<PaymentStore>(PAYMENT_STORE);
      const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
      await worker.stop(); // the test drives the outbox
      try {
        const before = await payTo();
        const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': await signPayment(buyer.account, accepted, demo.devnet.chainId) } });
        expect(res.status).toBe(200); // served at once, queued
        const [queued] = await receiptsOf(demo, buyer.address);

        proxy.faults = { settle: 'done-then-500' }; // the first attempt moves the money; the outbox hears a 500
        await drainOnce(worker);
        expect((await payTo()) - before).toBe(10_000n);
        expect(await store.findById(queued.id)).toMatchObject({ state: 'queued' }); // retried later

        proxy.faults = {};
        await drainOnce(worker); // the second attempt finds the first on chain
        expect(await store.findById(queued.id)).toMatchObject({ state: 'settled', transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
        expect((await payTo()) - before).toBe(10_000n);
      } finally {
        proxy.faults = {};
        worker.start();
      }
    });
    it('leaves the ledger equal to the chain (reconciliation report)', async () => {
      await expectLedgerEqualsChain(demo);
    });
  });

  describe('in upfront mode, whose settle lands and then answers 500', () => {
    let demo: DemoHarness;
    let proxy: FaultProxy;
    let accepted: PaymentRequirements;
    let route: string;

    beforeAll(async () => {
      proxy = await startFaultProxy();
      demo = await startDemo({}, { X402_SETTLEMENT_MODE: 'upfront' }, {
        adapter,
        facilitator: 'remote',
        x402: (options) => {
          proxy.target = (options.facilitator as X402RemoteFacilitatorOptions).url;
          return { ...options, facilitator: { type: 'remote', url: proxy.url, timeoutMs: 5_000 } };
        },
      });
      route = `${demo.url}/weather/forecast/lisbon`;
      accepted = await challengeOf(route);
    });
    afterAll(async () => {
      await demo?.close();
      await proxy?.close();
    });

    it('the handler has not run: the retry of the same authorization, once the payment is found on chain, is served (once), not payment_already_used', async () => {
      const buyer = demo.devnet.accounts.buyer;
      const payTo = () => demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
      const header = await signPayment(buyer.account, accepted, demo.devnet.chainId);
      const before = await payTo();
      proxy.faults = { settle: 'done-then-500' };
      const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = await res.json();
      expect([res.status, errorOf(body).code]).toEqual([503, 'settlement_pending']);
      expect(body).not.toHaveProperty('days');
      expect((await payTo()) - before).toBe(10_000n);

      proxy.faults = {};
      const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(retry.status).toBe(200);
      const served = await retry.json();
      expect(served).toHaveProperty('days');
      const [receipt] = await receiptsOf(demo, buyer.address);
      expect(receipt).toMatchObject({ id: body.receipt, state: 'settled' });
      expect(decodePaymentResponseHeader(retry.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: receipt.transaction });
      // served once: a further repeat gets the stored response, the handler does not run again
      const again = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect([again.status, await again.json()]).toEqual([200, served]);
      expect((await payTo()) - before).toBe(10_000n);
      await expectLedgerEqualsChain(demo);
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
    ] as const)('%s that answers %s: %i %s, nothing served, nothing charged; the same payment goes through once the facilitator is back', async (endpoint, fault, status, code) => {
      const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
      const before = await payTo();
      proxy.faults = { [endpoint]: fault };
      const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = await res.json();
      expect([res.status, errorOf(body).code]).toEqual([status, code]);
      expect(body).not.toHaveProperty('days');
      expect(await payTo()).toBe(before);

      proxy.faults = {};
      const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(retry.status).toBe(200);
      expect((await payTo()) - before).toBe(10_000n);
    });

    it('settle that lands, then answers 500: a retry of the same authorization reads the chain and gets the paid response at once (not after the hold)', async () => {
      const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
      const before = await payTo();
      proxy.faults = { settle: 'done-then-500' };
      const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = await res.json();
      expect([res.status, errorOf(body).code]).toEqual([503, 'settlement_pending']);
      expect((await payTo()) - before).toBe(10_000n);

      proxy.faults = {};
      // the hold is the default two minutes: the retry itself settles the question from the chain
      const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(retry.status).toBe(200);
      expect(await retry.json()).toHaveProperty('days');
      const settled = (await receiptsOf(demo, buyer().address)).find((r) => r.id === body.receipt)!;
      expect(settled).toMatchObject({ state: 'settled', transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
      expect(decodePaymentResponseHeader(retry.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: settled.transaction });
      expect((await payTo()) - before).toBe(10_000n);
    });

    it.each(['hang', 500, 'reset'] as const)('settle that answers %s: 503 settlement_pending, nothing served; the outcome stays open (never failed, never a 402) and the payment is held, not charged twice', async (fault) => {
      const header = await signPayment(buyer(), accepted, demo.devnet.chainId);
      const before = await payTo();
      proxy.faults = { settle: fault };
      const res = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      const body = await res.json();
      expect([res.status, errorOf(body).code]).toEqual([503, 'settlement_pending']);
      expect(body).not.toHaveProperty('days');
      // the facilitator may have sent it: the payer is told it is pending, not that it failed
      expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ errorReason: 'settlement_pending', extra: { status: 'pending', receipt: body.receipt } });
      expect(await payTo()).toBe(before);
      expect((await receiptsOf(demo, buyer().address)).find((r) => r.state !== 'settled')).toMatchObject({ id: body.receipt, state: 'settling' });

      proxy.faults = {};
      // held for reconciliation from the chain: the same authorization is not settled a second time meanwhile
      const retry = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': header } });
      expect([retry.status, errorOf(await retry.json()).code]).toEqual([503, 'settlement_pending']);
      expect(await payTo()).toBe(before);
      // a new payment goes through
      expect((await fetch(route, { headers: { 'PAYMENT-SIGNATURE': await signPayment(buyer(), accepted, demo.devnet.chainId) } })).status).toBe(200);
      await clearHeld(demo, buyer().address);
    });

    it('leaves the ledger equal to the chain (reconciliation report)', async () => {
      await expectLedgerEqualsChain(demo);
    });
  });
});
