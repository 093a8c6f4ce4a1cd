import { randomBytes } from 'node:crypto';
import type { PaymentRecord } from '@nestjs-x402/core';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { challengeOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';
import { drainingFacilitator } from './support/draining-facilitator.js';

/** The same authorization with a signature nobody signed (payer and nonce are public in the reverted calldata). */
function junk(header: string): string {
  const payment = JSON.parse(Buffer.from(header, 'base64').toString());
  payment.payload.signature = `0x${randomBytes(65).toString('hex')}`;
  return Buffer.from(JSON.stringify(payment)).toString('base64');
}

/** A failed payment's record stays in the ledger whatever is re-presented for it, unless a verified payment takes its key. */
describe('a failed payment record (anvil)', () => {
  let devnet: Devnet;
  let demo: DemoHarness;
  const route = () => `${demo.url}/weather/forecast/berlin`;
  const failures = async (): Promise<PaymentRecord[]> => {
    const res = await fetch(`${demo.url}/admin/receipts?state=failed&limit=1000`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { receipts: PaymentRecord[] }).receipts;
  };

  beforeAll(async () => {
    devnet = await startDevnet({ buyers: 2 });
    const [victim, sink] = devnet.accounts.buyers;
    // the victim spends its balance right after verification: its settlement fails for real
    demo = await startDemo({}, {}, { devnet, x402: (options) => ({ ...options, facilitator: { type: 'client', client: drainingFacilitator(devnet, victim, sink) } }) });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
    await devnet?.stop();
  });

  it('survives a re-presentation with a junk signature and with the original one', async () => {
    const accepted = await challengeOf(route());
    const header = await signPayment(devnet.accounts.buyers[0].account, accepted, devnet.chainId);
    const first = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(first.status).not.toBe(200);
    const [failed] = await failures();
    expect(failed).toMatchObject({ state: 'failed', payer: devnet.accounts.buyers[0].address });

    const forged = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': junk(header) } });
    expect(forged.status).toBe(402);
    expect(await failures()).toEqual([failed]);

    // the original signature is public too (in the reverted transaction): re-presenting it, with the balance gone, is refused and erases nothing
    const again = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header } });
    expect(again.status).toBe(402);
    expect(await failures()).toEqual([failed]);
  });
});
