import { decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { X402OutboxWorker } from '../libs/x402/src/settlement/outbox.worker.js';
import { challengeOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';

type Receipt = { id: string; state: string; mode: string; transaction?: string; handlerError?: string; payer: string };

const receiptsOf = async (demo: DemoHarness, query = '') =>
  (await (await fetch(`${demo.url}/admin/receipts?limit=1000${query}`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json()).receipts as Receipt[];

/** Waits (bounded) until `count` receipts of `payer` are settled. */
async function settledEventually(demo: DemoHarness, payer: string, count: number): Promise<Receipt[]> {
  const deadline = Date.now() + 15_000;
  let receipts: Receipt[] = [];
  while (Date.now() < deadline) {
    receipts = await receiptsOf(demo, `&payer=${payer}`);
    if (receipts.length === count && receipts.every((r) => r.state === 'settled')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return receipts;
}

describe('upfront settlement: money moves before the handler runs (anvil, PostgreSQL)', () => {
  let demo: DemoHarness;
  let accepted: PaymentRequirements;
  const alerts = () => `${demo.url}/alerts`;
  const post = (header: string, body: unknown) =>
    fetch(alerts(), { method: 'POST', headers: { 'content-type': 'application/json', 'PAYMENT-SIGNATURE': header }, body: JSON.stringify(body) });

  beforeAll(async () => {
    demo = await startDemo();
    accepted = await challengeOf(alerts(), { method: 'POST' });
  });
  afterAll(() => demo?.close());

  it('settles, then creates the alert, and answers with PAYMENT-RESPONSE', async () => {
    const before = await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
    const res = await post(await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId), { city: 'berlin', belowC: 0 });
    expect(res.status).toBe(201);
    expect((await res.json()).city).toBe('berlin');
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!).success).toBe(true);
    expect((await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address)) - before).toBe(100_000n);
  });

  it('records a handler failure after settlement on the receipt (charged, for reconciliation)', async () => {
    const before = await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
    const res = await post(await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId), { city: 'atlantis' });
    expect(res.status).toBe(400);
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    expect(settlement.success).toBe(true);
    expect((await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address)) - before).toBe(100_000n);
    const receipt = (await receiptsOf(demo)).find((r) => r.transaction === settlement.transaction)!;
    expect(receipt).toMatchObject({ state: 'settled', mode: 'upfront', handlerError: expect.stringContaining('city must be one of') });
  });

  it('does not run the handler when the upfront settlement is refused', async () => {
    const broke = (await import('viem/accounts')).privateKeyToAccount((await import('viem/accounts')).generatePrivateKey());
    const res = await post(await signPayment(broke, accepted, demo.devnet.chainId), { city: 'berlin' });
    expect(res.status).toBe(402);
    expect((await receiptsOf(demo, `&payer=${broke.address}`)).filter((r) => r.state === 'settled')).toHaveLength(0);
  });
});

describe('deferred settlement: answer now, settle in the background (anvil, PostgreSQL)', () => {
  let demo: DemoHarness;
  let accepted: PaymentRequirements;
  const route = () => `${demo.url}/weather/forecast/tokyo`;

  beforeAll(async () => {
    demo = await startDemo({ buyers: 3 }, { X402_SETTLEMENT_MODE: 'deferred', X402_DEFERRED_MAX_PER_PAYER: '0.03' });
    accepted = await challengeOf(route());
  });
  afterAll(() => demo?.close());

  it('refuses a validBefore past any storable date before claiming it: 400 with a code, nothing promised, nothing stuck', async () => {
    const buyer = demo.devnet.accounts.buyer;
    const header = await signPayment(buyer.account, accepted, demo.devnet.chainId, { validBefore: (2n ** 255n).toString() });
    for (let i = 0; i < 2; i++) {
      // the same authorization twice: the same answer, never 409 payment_in_progress from a claim left behind
      const res = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header } });
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_payment_payload');
      expect(res.headers.get('payment-response')).toBeNull();
    }
    expect(await receiptsOf(demo, `&payer=${buyer.address}&state=verified`)).toEqual([]);
  });

  it('serves at once with a pending PAYMENT-RESPONSE, then the outbox settles each payment exactly once', async () => {
    const buyer = demo.devnet.accounts.buyers[0];
    const before = await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
    const headers = await Promise.all([0, 1, 2].map(() => signPayment(buyer.account, accepted, demo.devnet.chainId)));
    const responses = await Promise.all(headers.map((h) => fetch(route(), { headers: { 'PAYMENT-SIGNATURE': h } })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const r of responses) {
      expect(decodePaymentResponseHeader(r.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: '', extra: { settlement: 'deferred' } });
    }
    const receipts = await settledEventually(demo, buyer.address, 3);
    expect(receipts.map((r) => [r.state, r.mode])).toEqual(Array(3).fill(['settled', 'deferred']));
    expect(receipts.every((r) => /^0x[0-9a-f]{64}$/.test(r.transaction ?? ''))).toBe(true); // several may share one batch transaction
    expect((await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address)) - before).toBe(30_000n);
    // a repeat of a deferred payment replays its response and is not charged again
    const again = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': headers[0] } });
    expect(again.status).toBe(200);
    expect((await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address)) - before).toBe(30_000n);
  });

  it('settles a backlog in one Multicall3 transaction with the local facilitator', async () => {
    const worker = demo.app.get(X402OutboxWorker);
    await worker.stop();
    const buyer = demo.devnet.accounts.buyer;
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': await signPayment(buyer.account, accepted, demo.devnet.chainId) } });
        expect(res.status).toBe(200);
      }
      expect(await worker.drain()).toBe(2);
    } finally {
      worker.start();
    }
    const receipts = await settledEventually(demo, buyer.address, 2);
    expect(receipts.map((r) => r.state)).toEqual(['settled', 'settled']);
    expect(new Set(receipts.map((r) => r.transaction)).size).toBe(1);
    const tx = await demo.devnet.publicClient.getTransaction({ hash: receipts[0].transaction as `0x${string}` });
    expect(tx.to?.toLowerCase()).toBe('0xca11bde05977b3631167028862be2a173976ca11');
  });

  it('settles the good payments of a batch and fails the one whose payer emptied its wallet after being served', async () => {
    const worker = demo.app.get(X402OutboxWorker);
    await worker.stop();
    const good = demo.devnet.accounts.buyer;
    const bad = demo.devnet.accounts.buyers[2];
    try {
      for (const payer of [good, bad, good]) {
        const res = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': await signPayment(payer.account, accepted, demo.devnet.chainId) } });
        expect(res.status).toBe(200);
      }
      // the risk deferred mode takes (bounded by the exposure caps): the payer moves its money away
      const { createWalletClient, http } = await import('viem');
      const wallet = createWalletClient({ account: bad.account, chain: demo.devnet.chain, transport: http(demo.devnet.rpcUrl) });
      const hash = await wallet.writeContract({
        address: demo.devnet.usdc.address,
        abi: demo.devnet.usdc.abi,
        functionName: 'transfer',
        args: [demo.devnet.accounts.deployer.address, await demo.devnet.balanceOf(bad.address)],
      });
      await demo.devnet.publicClient.waitForTransactionReceipt({ hash });
      await worker.drain();
    } finally {
      worker.start();
    }
    const failed = await receiptsOf(demo, `&payer=${bad.address}`);
    expect(failed.map((r) => [r.state, (r as { errorReason?: string }).errorReason])).toEqual([['failed', 'invalid_exact_evm_insufficient_balance']]);
    const settled = (await receiptsOf(demo, `&payer=${good.address}`)).filter((r) => r.state === 'settled');
    expect(settled.length).toBeGreaterThanOrEqual(2);
  });

  it('falls back to authorization mode past the per-payer exposure cap', async () => {
    const buyer = demo.devnet.accounts.buyers[1];
    await demo.app.get(X402OutboxWorker).stop(); // keep the first payments unsettled
    try {
      const responses = [];
      for (let i = 0; i < 4; i++) {
        responses.push(await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': await signPayment(buyer.account, accepted, demo.devnet.chainId) } }));
      }
      const settlements = responses.map((r) => decodePaymentResponseHeader(r.headers.get('payment-response')!));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(settlements.map((s) => s.transaction === '')).toEqual([true, true, true, false]); // $0.03 cap: the 4th settles at once
    } finally {
      demo.app.get(X402OutboxWorker).start();
    }
    const receipts = await settledEventually(demo, buyer.address, 4);
    expect(receipts.filter((r) => r.state === 'settled')).toHaveLength(4);
    expect(receipts.every((r) => !('settlement' in r))).toBe(true);
  });
});
