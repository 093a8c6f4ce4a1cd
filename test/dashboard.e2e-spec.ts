import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { formatAtomic, type PaymentRecord, type RevenueRow } from '@nestjs-x402/core';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { payingFetch, startDemo, type DemoHarness } from './support/demo.harness.js';
import { drainingFacilitator } from './support/draining-facilitator.js';

/** Debian's Chromium; the test never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const OUTPUT = join(process.cwd(), 'test-output');

/** An operator opens /admin/dashboard in Chromium after a run of paid requests: the page shows what the ledger holds. */
describe('the revenue dashboard in Chromium (anvil, PostgreSQL)', () => {
  let devnet: Devnet;
  let demo: DemoHarness;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  const dashboard = () => `${demo.url}/admin/dashboard`;
  const admin = async <T>(path: string): Promise<T> => (await fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json() as Promise<T>;

  beforeAll(async () => {
    devnet = await startDevnet({ buyers: 2 });
    const [victim, sink] = devnet.accounts.buyers;
    demo = await startDemo({}, {}, { devnet, x402: (options) => ({ ...options, facilitator: { type: 'client', client: drainingFacilitator(devnet, victim, sink) } }) });
    const buyer = payingFetch(devnet.accounts.buyer.account);
    const paid = async (pay: typeof fetch, path: string, init?: RequestInit) => {
      const res = await pay(`${demo.url}${path}`, init);
      await res.arrayBuffer();
      return res.status;
    };
    const statuses = [
      await paid(buyer, '/weather/forecast/lisbon'),
      await paid(buyer, '/weather/forecast/tokyo'),
      await paid(buyer, '/weather/history/tokyo?days=30'),
      await paid(buyer, '/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'sun' }) }),
      await paid(buyer, '/reports/heat-2026'),
      await paid(payingFetch(victim.account), '/weather/forecast/berlin'), // settlement refused
      await paid(payingFetch(privateKeyToAccount(generatePrivateKey())), '/weather/forecast/berlin'), // no funds: refused at verification
      await paid(buyer, '/weather/forecast/atlantis'), // handler error: not charged
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 200, 402, 402, 404]);

    profile = await mkdtemp(join(tmpdir(), 'x402-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    await mkdir(OUTPUT, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await demo?.close();
    await devnet?.stop();
  }, 30_000);

  it('serves a data-free shell without the token, under a same-origin CSP; the data needs the token', async () => {
    const shell = await fetch(dashboard());
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/^text\/html/);
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await shell.text();
    expect(html).not.toMatch(/0x[0-9a-f]{64}/i); // no transaction, no receipt: nothing from the ledger
    for (const asset of ['uplot.js', 'uplot.css', 'dashboard.js', 'dashboard.css']) {
      expect((await fetch(`${dashboard()}/assets/${asset}`)).status).toBe(200);
    }
    expect((await fetch(`${dashboard()}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    for (const path of ['/admin/receipts', '/admin/revenue', '/admin/failures', '/admin/outbox', '/admin/assets']) {
      expect({ path, status: (await fetch(`${demo.url}${path}`)).status }).toEqual({ path, status: 401 });
    }
  });

  it('asks for the token, and a wrong one is refused (401) and not kept', async () => {
    await page.goto(dashboard());
    await page.waitForSelector('body[data-state="login"]');
    expect(await page.isVisible('#board')).toBe(false);
    expect(await page.isVisible('#controls')).toBe(false);
    await page.fill('#token', 'not-the-token');
    const refused = page.waitForResponse((res) => res.url().includes('/admin/') && res.status() === 401);
    await page.click('#login-form button[type=submit]');
    await refused;
    await page.waitForSelector('body[data-state="unauthorized"]');
    expect(await page.textContent('#login-error')).toContain('401');
    expect(await page.evaluate(() => sessionStorage.getItem('x402-admin-token'))).toBeNull();
    await page.screenshot({ path: join(OUTPUT, 'dashboard-401.png') });
  }, 60_000);

  it('shows the revenue, routes, receipts and failures of the ledger', async () => {
    problems.length = 0; // the refused token's 401s were expected
    await page.fill('#token', demo.adminToken);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });

    const revenue = (await admin<{ revenue: RevenueRow[] }>('/admin/revenue?by=route')).revenue;
    const receipts = (await admin<{ receipts: PaymentRecord[] }>('/admin/receipts?limit=25')).receipts;
    const total = revenue.reduce((sum, r) => sum + BigInt(r.amount), 0n);
    expect(total).toBe(10_000n + 10_000n + 30_000n + 20_000n + 50_000n);
    expect(await page.getAttribute('#kpi-revenue', 'data-atomic')).toBe(total.toString());
    expect(await page.textContent('#kpi-revenue')).toBe(`${formatAtomic(total, 6)} USDC`);
    expect(await page.textContent('#kpi-payments')).toBe(String(revenue.reduce((n, r) => n + r.payments, 0)));
    expect(await page.textContent('#kpi-failures')).toBe('1');
    expect(await page.textContent('#kpi-backlog')).toBe('0');

    const routes = await page.$$eval('#routes tbody tr', (rows) =>
      rows.map((row) => ({ route: (row as HTMLElement).dataset.route, atomic: (row as HTMLElement).dataset.atomic, cells: [...(row as HTMLTableRowElement).cells].map((c) => c.textContent) })),
    );
    expect(routes).toEqual(
      revenue.map((r) => ({ route: r.group, atomic: r.amount, cells: [r.group, String(r.payments), `${formatAtomic(BigInt(r.amount), 6)} USDC`] })),
    );

    const shown = await page.$$eval('#receipts tbody tr', (rows) =>
      rows.map((row) => ({ id: (row as HTMLElement).dataset.receipt, cells: [...(row as HTMLTableRowElement).cells].map((c) => c.textContent ?? '') })),
    );
    expect(shown.map((r) => r.id)).toEqual(receipts.map((r) => r.id));
    expect(receipts).toHaveLength(6); // 5 settled, 1 failed settlement; refusals and handler errors leave no receipt
    for (const [i, receipt] of receipts.entries()) {
      const [, route, amount, state, , , transaction, reason] = shown[i].cells;
      expect({ route, amount, state, transaction, reason }).toEqual({
        route: receipt.route,
        amount: `${formatAtomic(BigInt(receipt.amount), 6)} USDC`,
        state: receipt.state,
        transaction: receipt.transaction ?? '',
        reason: receipt.errorReason ?? '',
      });
      if (receipt.state === 'settled') expect(transaction).toMatch(/^0x[0-9a-f]{64}$/);
    }

    const failed = receipts.find((r) => r.state === 'failed')!;
    const ledgerFailures = await page.$$eval('#failures-ledger tbody tr', (rows) => rows.map((row) => [...(row as HTMLTableRowElement).cells].map((c) => c.textContent)));
    expect(ledgerFailures).toEqual([[failed.errorReason, '1', expect.any(String), 'GET /weather/forecast/:city']]);
    const refusals = await page.$$eval('#failures-process tbody tr', (rows) => rows.map((row) => [...(row as HTMLTableRowElement).cells].map((c) => c.textContent)));
    expect(refusals).toEqual(
      expect.arrayContaining([
        ['verify', expect.stringMatching(/insufficient|funds|balance/), 'GET /weather/forecast/:city', '1'],
        ['settle', failed.errorReason, 'GET /weather/forecast/:city', '1'],
        ['handler', 'handler_error', 'GET /weather/forecast/:city', '1'],
      ]),
    );

    // both charts drew (uPlot canvases), on the per-minute view of the last hour
    await page.selectOption('#range', '1h');
    await page.waitForFunction(() => document.querySelector('#time-caption')?.textContent === 'per minute, UTC');
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.$$eval('.chart canvas', (canvases) => canvases.length)).toBe(2);
    expect(problems).toEqual([]); // no script error, no CSP violation
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
  }, 60_000);

  it('takes the token from a #token= link without keeping it in the address bar, and signs out', async () => {
    const other = await context.newPage();
    await other.goto(`${dashboard()}#token=${encodeURIComponent(demo.adminToken)}`);
    await other.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(other.url()).toBe(dashboard());
    await other.reload();
    await other.waitForSelector('body[data-state="ready"]', { timeout: 30_000 }); // kept for this tab
    await other.click('#signout');
    await other.waitForSelector('body[data-state="login"]');
    expect(await other.evaluate(() => sessionStorage.getItem('x402-admin-token'))).toBeNull();
    await other.close();
  }, 60_000);
});
