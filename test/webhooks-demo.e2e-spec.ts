import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { verifyX402Webhook, type X402WebhookDelivery, type X402WebhookEvent } from '@nestjs-x402/core/webhooks';
import { challengeOf, signPayment, startDemo, type DemoHarness } from './support/demo.harness.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'whsec_demo_0123456789abcdef';

/** The demo with X402_WEBHOOK_URL set: a real payment on anvil reaches the merchant's endpoint; the admin API lists and redelivers. */
describe('webhooks in the demo (PostgreSQL, anvil)', () => {
  let demo: DemoHarness;
  let receiver: WebhookReceiver;
  const admin = (path: string, init: RequestInit = {}, token = demo.adminToken) => fetch(`${demo.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    demo = await startDemo({}, { X402_WEBHOOK_URL: receiver.url, X402_WEBHOOK_SECRET: SECRET });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
    await receiver?.close();
  });

  it('a paid request on chain: payment.settled with the transaction arrives signed; the admin API lists it and redelivers it', async () => {
    const route = `${demo.url}/weather/forecast/lisbon`;
    const accepted = await challengeOf(route);
    const paid = await fetch(route, { headers: { 'PAYMENT-SIGNATURE': await signPayment(demo.devnet.accounts.buyer.account, accepted, demo.devnet.chainId) } });
    expect(paid.status).toBe(200);
    const transaction = decodePaymentResponseHeader(paid.headers.get('payment-response')!).transaction;

    await waitFor(() => receiver.accepted().length === 1, 10_000, 'the webhook');
    const [delivered] = receiver.accepted();
    expect(verifyX402Webhook(delivered.raw, delivered.headers['x402-signature'], SECRET).valid).toBe(true);
    const event = JSON.parse(delivered.raw.toString()) as X402WebhookEvent;
    expect(event).toMatchObject({ type: 'payment.settled', data: { route: 'GET /weather/forecast/:city', transaction, payer: demo.devnet.accounts.buyer.address, amount: accepted.amount } });

    expect((await admin('/admin/webhooks', {}, 'not-the-token-0000000000')).status).toBe(401);
    expect((await admin('/admin/webhooks?state=sideways')).status).toBe(400);
    await waitFor(async () => ((await (await admin('/admin/webhooks?state=delivered')).json()).deliveries as unknown[]).length === 1, 5000, 'the delivered row');
    const listed = (await (await admin('/admin/webhooks?state=delivered')).json()) as { endpoints: { id: string }[]; deliveries: X402WebhookDelivery[] };
    expect(listed.endpoints).toEqual([{ id: 'X402_WEBHOOK_URL', url: receiver.url, source: 'options', events: expect.any(Array) }]);
    expect(listed.deliveries[0]).toMatchObject({ eventId: event.id, state: 'delivered', attempts: 1 });
    expect(JSON.stringify(listed)).not.toContain(SECRET);

    const again = await admin(`/admin/webhooks/${listed.deliveries[0].id}/redeliver`, { method: 'POST' });
    expect(again.status).toBe(202);
    await waitFor(() => receiver.accepted().length === 2, 10_000, 'the redelivery');
    expect(receiver.accepted()[1].eventId).toBe(event.id);
    expect((await admin('/admin/webhooks/00000000-0000-4000-8000-000000000000/redeliver', { method: 'POST' })).status).toBe(404);
  });

  it('endpoints added and removed through the admin API, behind the admin token', async () => {
    const post = (body: unknown, token?: string) =>
      fetch(`${demo.url}/admin/webhooks/endpoints`, { method: 'POST', headers: { authorization: `Bearer ${token ?? demo.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ url: receiver.url }, 'not-the-token-0000000000')).status).toBe(401);
    expect((await post({ url: 'not a url' })).status).toBe(400);
    const added = await post({ id: 'crm', url: receiver.url, events: ['payment.failed'] });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ id: 'crm', source: 'admin', events: ['payment.failed'], secret: expect.stringMatching(/^whsec_/) });
    expect((await post({ id: 'crm', url: receiver.url })).status).toBe(409);
    const listed = (await (await admin('/admin/webhooks')).json()) as { endpoints: { id: string; secret?: string }[] };
    expect(listed.endpoints.map((e) => e.id)).toEqual(['X402_WEBHOOK_URL', 'crm']);
    expect(listed.endpoints.every((e) => e.secret === undefined)).toBe(true);
    expect((await admin('/admin/webhooks/endpoints/crm', { method: 'DELETE' }, 'not-the-token-0000000000')).status).toBe(401);
    expect((await admin('/admin/webhooks/endpoints/crm', { method: 'DELETE' })).status).toBe(204);
    expect((await admin('/admin/webhooks/endpoints/crm', { method: 'DELETE' })).status).toBe(404);
    expect((await admin('/admin/webhooks/endpoints/X402_WEBHOOK_URL', { method: 'DELETE' })).status).toBe(409);
  });
});
