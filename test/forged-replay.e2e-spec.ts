import { randomBytes, randomUUID } from 'node:crypto';
import { challengeOf, errorOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';

/** A copy of a payment with its public parts kept (payer, nonce, amounts) and a signature nobody signed. */
function forge(header: string): string {
  const payment = JSON.parse(Buffer.from(header, 'base64').toString());
  payment.payload.signature = `0x${randomBytes(65).toString('hex')}`;
  return Buffer.from(JSON.stringify(payment)).toString('base64');
}

/**
 * A settled authorization is public (on chain), so a stored response goes only to a request whose
 * signature is the payer's: a forged copy carrying the original's idempotency id gets nothing, and
 * its answer does not tell whether the id exists.
 */
describe('a forged copy of a served payment (anvil)', () => {
  let demo: DemoHarness;
  const route = () => `${demo.url}/weather/forecast/lisbon`;

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it('gets no stored response, and the same answer whether its idempotency id is known or not', async () => {
    const accepted = await challengeOf(route());
    const header = await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId);
    const id = randomUUID();
    const paid = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header, 'Idempotency-Key': id } });
    expect(paid.status).toBe(200);
    const content = await paid.json();

    const forged = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': forge(header), 'Idempotency-Key': id } });
    const forgedBody = await forged.json();
    expect(forged.status).toBe(402);
    expect(forgedBody).not.toMatchObject(content);

    // A forged copy with an id nobody used gets the same answer: the id's existence is not revealed.
    const unknown = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': forge(header), 'Idempotency-Key': randomUUID() } });
    expect([unknown.status, errorOf(await unknown.json()).code]).toEqual([forged.status, errorOf(forgedBody).code]);

    // The payer's own repeat with its id still gets the stored response.
    const again = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header, 'Idempotency-Key': id } });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(content);
  });

  it('refuses an idempotency id of fewer than 128 bits', async () => {
    const accepted = await challengeOf(route());
    const header = await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId);
    const res = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header, 'Idempotency-Key': 'order-42' } });
    expect([res.status, errorOf(await res.json()).code]).toEqual([400, 'invalid_idempotency_key']);
  });
});
