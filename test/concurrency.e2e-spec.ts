import { decodePaymentResponseHeader } from '@x402/core/http';
import { parseEventLogs } from 'viem';
import { ADAPTERS, payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';

/**
 * The reference's in-process facilitator loses about half of 8 concurrent payments to nonce
 * collisions of its gas signer. Ours submits through one queue per key, and payments that arrive
 * together share a transaction (group commit): every payment lands, and the transaction named in
 * its PAYMENT-RESPONSE carries its transfer.
 */
describe.each(ADAPTERS)('concurrent payments through the local facilitator (anvil, %s)', (adapter) => {
  const PAYMENTS = 60;
  let demo: DemoHarness;

  beforeAll(async () => {
    demo = await startDemo({ buyers: 11 }, {}, { adapter });
  });
  afterAll(() => demo?.close());

  it(`serves and settles ${PAYMENTS} concurrent distinct payments, each charged exactly once`, async () => {
    const buyers = [demo.devnet.accounts.buyer, ...demo.devnet.accounts.buyers];
    const payTo = demo.devnet.accounts.payTo.address;
    const before = await demo.devnet.balanceOf(payTo);
    const startBlock = await demo.devnet.publicClient.getBlockNumber();

    const responses = await Promise.all(
      Array.from({ length: PAYMENTS }, (_, i) => payingFetch(buyers[i % buyers.length].account)(`${demo.url}/weather/forecast/berlin`)),
    );

    const statuses = responses.map((r) => r.status);
    expect(statuses).toEqual(Array(PAYMENTS).fill(200));
    // each (transaction, payer) named in the responses has as many transfers to payTo in that transaction
    const claimed = new Map<string, number>();
    for (const r of responses) {
      const { transaction, payer } = decodePaymentResponseHeader(r.headers.get('payment-response')!);
      const key = `${transaction}:${payer!.toLowerCase()}`;
      claimed.set(key, (claimed.get(key) ?? 0) + 1);
    }
    const moved = new Map<string, number>();
    for (const hash of new Set([...claimed.keys()].map((key) => key.split(':')[0]))) {
      const receipt = await demo.devnet.publicClient.getTransactionReceipt({ hash: hash as `0x${string}` });
      for (const { args } of parseEventLogs({ abi: demo.devnet.usdc.abi, logs: receipt.logs, eventName: 'Transfer' })) {
        if (args.to === payTo && args.value === 10_000n) moved.set(`${hash}:${args.from.toLowerCase()}`, (moved.get(`${hash}:${args.from.toLowerCase()}`) ?? 0) + 1);
      }
    }
    expect(moved).toEqual(claimed);
    expect((await demo.devnet.balanceOf(payTo)) - before).toBe(BigInt(PAYMENTS) * 10_000n);

    const logs = await demo.devnet.publicClient.getContractEvents({
      address: demo.devnet.usdc.address,
      abi: demo.devnet.usdc.abi,
      eventName: 'Transfer',
      args: { to: payTo },
      fromBlock: startBlock + 1n,
    });
    expect(logs).toHaveLength(PAYMENTS);
  });
});
