import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from './support/webhook-receiver.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const SECRET = 'whsec_dashboard_0123456789';

/** The operator sees webhook deliveries on the dashboard and sends a failing one again from there (Chromium, anvil, PostgreSQL). */
describe('webhook deliveries on the dashboard', () => {
  let receiver: WebhookReceiver;
  let demo: DemoHarness;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    receiver.answer = () => 503; // the merchant's endpoint is down
    demo = await startDemo({}, { X402_WEBHOOK_URL: receiver.url, X402_WEBHOOK_SECRET: SECRET });
    const res = await payingFetch(demo.devnet.accounts.buyer.account)(`${demo.url}/weather/forecast/lisbon`);
    expect(res.status).toBe(200);
    await waitFor(() => receiver.received.length >= 1, 10_000, 'the first (refused) attempt');
    profile = await mkdtemp(join(tmpdir(), 'x402-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await demo?.close();
    await receiver?.close();
  });

  it('lists the refused delivery with its last answer, and Redeliver sends the same event once the endpoint is back', async () => {
    await page.goto(`${demo.url}/admin/dashboard#token=${demo.adminToken}`);
    await page.waitForSelector('body[data-state="ready"]');
    const row = page.locator('#webhooks tbody tr[data-delivery]');
    await expect(row.count()).resolves.toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toBe('payment.settled');
    expect(cells[2]).toBe('X402_WEBHOOK_URL');
    expect(cells[5]).toBe('http_503');
    expect(await page.locator('#webhook-endpoints').textContent()).toBe('to X402_WEBHOOK_URL');

    receiver.answer = () => 204; // the endpoint is back; the next automatic retry is seconds away, the operator does not wait
    await row.getByRole('button', { name: 'Redeliver' }).click();
    await waitFor(() => receiver.accepted().length === 1, 10_000, 'the redelivery');
    const firstId = JSON.parse(receiver.received[0].raw.toString()).id;
    expect(JSON.parse(receiver.accepted()[0].raw.toString()).id).toBe(firstId); // same event id: the merchant can de-duplicate
    await waitFor(
      async () => {
        await page.locator('#refresh').click();
        await page.waitForSelector('body[data-state="ready"]');
        return (await page.locator('#webhooks tbody tr[data-delivery] td.state-delivered').count()) === 1;
      },
      10_000,
      'the row to show delivered',
    );
    expect(problems).toEqual([]);
  });
});
