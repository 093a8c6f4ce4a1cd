import { x402Client } from '@x402/core/client';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { ExactEvmScheme } from '@x402/evm';
import { wrapFetchWithPayment } from '@x402/fetch';
import type { ClientEvmSigner } from '@x402/evm';
import { X402OutboxWorker } from '../libs/x402/src/settlement/outbox.worker.js';
import { startDemo, type DemoHarness } from './support/demo.harness.js';
import { deployGasPriceWallet, gasSpentBy } from './support/gasprice-wallet.js';

type Receipt = { state: string; mode: string; payer: string };

const receiptsOf = async (demo: DemoHarness, query = '') =>
  (await (await fetch(`${demo.url}/admin/receipts?limit=1000${query}`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json()).receipts as Receipt[];

/** The official client paying from a signer (here: a contract wallet's). */
function payingFetchFrom(signer: ClientEvmSigner): typeof fetch {
  const client = new x402Client().register('eip155:*', new ExactEvmScheme(signer));
  client.setSpendControls({ allowedAssets: true });
  return wrapFetchWithPayment(fetch, client);
}

/** Sends `count` paid requests one after the other; how many were served, and how many before money moved. */
async function payRepeatedly(demo: DemoHarness, signer: ClientEvmSigner, count: number) {
  const pay = payingFetchFrom(signer);
  let served = 0;
  let deferred = 0;
  for (let i = 0; i < count; i++) {
    const res = await pay(`${demo.url}/weather/forecast/tokyo`);
    await res.arrayBuffer();
    if (res.status !== 200) continue;
    served++;
    if (decodePaymentResponseHeader(res.headers.get('payment-response')!).transaction === '') deferred++;
  }
  return { served, deferred };
}

/**
 * Issue #13 item 5: an ERC-1271 wallet whose isValidSignature answers valid only when tx.gasprice == 0
 * passes verification and simulation (eth_call) and never pays on chain.
 */
describe('contract payers (a wallet valid only in eth_call; anvil, PostgreSQL, official client)', () => {
  describe('deferred mode', () => {
    let demo: DemoHarness;
    beforeAll(async () => {
      demo = await startDemo({}, { X402_SETTLEMENT_MODE: 'deferred', X402_DEFERRED_MAX_PER_PAYER: '1.00', X402_DEFERRED_MAX_TOTAL: '10.00' });
    });
    afterAll(() => demo?.close());

    it('never defers a contract payer: 12 requests, none served before money moved, none served unpaid', async () => {
      const wallet = await deployGasPriceWallet(demo.devnet, 1_000_000n);
      const before = await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address);
      const result = await payRepeatedly(demo, wallet.signer, 12);
      await demo.app.get(X402OutboxWorker).drain();
      const moved = (await demo.devnet.balanceOf(demo.devnet.accounts.payTo.address)) - before;
      // before the fix: 12 served deferred, 0 moved
      expect(result.deferred).toBe(0);
      expect(BigInt(result.served) * 10_000n).toBe(moved);
      expect((await receiptsOf(demo, `&payer=${wallet.address}`)).filter((r) => r.mode === 'deferred')).toEqual([]);
    }, 120_000);
  });

  describe('authorization mode', () => {
    let demo: DemoHarness;
    beforeAll(async () => {
      demo = await startDemo();
    });
    afterAll(() => demo?.close());

    it.each([
      ['in a batch (65-byte signature)', 65],
      ['alone (a longer signature)', 97],
    ])('the facilitator sends no transaction for such a payment settled %s: no gas burnt by an attacker', async (_, signatureBytes) => {
      const wallet = await deployGasPriceWallet(demo.devnet, 1_000_000n, { signatureBytes });
      const facilitator = demo.devnet.accounts.facilitator.address;
      const fromBlock = await demo.devnet.publicClient.getBlockNumber();
      const requests = 4;
      const result = await payRepeatedly(demo, wallet.signer, requests);
      const spent = await gasSpentBy(demo.devnet, facilitator, fromBlock);
      process.stderr.write(`gas burnt per request by a GasPriceWallet payer (authorization mode, ${signatureBytes}-byte signature): ${spent.gas / BigInt(requests)} (${spent.transactions} transactions for ${requests} requests, ${spent.reverted} reverted)\n`);
      expect(result.served).toBe(0);
      // before the fix: 65 bytes, two transactions per request (the batch, then alone), ~70k gas; longer, one reverting (~37k)
      expect(spent.transactions).toBe(0);
      expect(spent.gas).toBe(0n);
    }, 120_000);
  });
});
