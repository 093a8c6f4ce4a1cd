import { decodePaymentResponseHeader } from '@x402/core/http';
import { ADAPTERS, payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';

/**
 * The reference's in-process facilitator loses about half of 8 concurrent payments to nonce
 * collisions of its gas signer. Ours submits through one queue per key: every payment lands.
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
    const transactions = responses.map((r) => decodePaymentResponseHeader(r.headers.get('payment-response')!).transaction);
    expect(new Set(transactions).size).toBe(PAYMENTS);
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
