import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { priceLabel, type X402PaymentInfo } from '@nestjs-x402/core/openapi';
import { startDemo, type DemoHarness } from './support/demo.harness.js';

/** Debian's Chromium; the test never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const OUTPUT = join(process.cwd(), 'test-output');

type Document = { paths: Record<string, Record<string, { summary?: string; 'x-payment-info'?: X402PaymentInfo }>> };

/** A person in a browser: Swagger UI shows the prices, and a web page on another origin can pay. */
describe('Swagger UI and a cross-origin web client in Chromium (anvil)', () => {
  let demo: DemoHarness;
  let document: Document;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let otherOrigin: Server;
  let otherOriginUrl: string;

  beforeAll(async () => {
    demo = await startDemo({}, {}, { database: 'pglite' });
    document = await (await fetch(`${demo.url}/openapi.json`)).json();
    // A second origin (localhost vs 127.0.0.1) serving a blank page, as a wallet web app would be.
    otherOrigin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>wallet</title>'));
    await new Promise<void>((resolve) => otherOrigin.listen(0, '127.0.0.1', resolve));
    otherOriginUrl = `http://localhost:${(otherOrigin.address() as AddressInfo).port}`;
    profile = await mkdtemp(join(tmpdir(), 'x402-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    await mkdir(OUTPUT, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await new Promise((resolve) => otherOrigin?.close(resolve));
    await demo?.close();
  }, 30_000);

  const pricedOperations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation['x-payment-info'])
        .map(([method, operation]) => ({ method: method.toUpperCase(), path, label: priceLabel(operation['x-payment-info']!) })),
    );

  it('shows every priced operation with its price in /docs', async () => {
    await page.goto(`${demo.url}/docs`);
    await page.waitForSelector('.opblock-summary-description', { timeout: 30_000 });
    const shown = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => ({
        method: block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '',
        path: block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '',
        summary: block.querySelector('.opblock-summary-description')?.textContent?.trim() ?? '',
      })),
    );
    const priced = pricedOperations();
    expect(priced.length).toBeGreaterThanOrEqual(5);
    for (const { method, path, label } of priced) {
      const block = shown.find((b) => b.method === method && b.path === path);
      expect({ method, path, summary: block?.summary.slice(0, label.length) }).toEqual({ method, path, summary: label });
    }
    expect(shown.find((b) => b.path === '/weather/forecast/{city}')?.summary).toBe('$0.01 · USDC — Seven-day forecast');
    expect(shown.find((b) => b.path === '/weather/history/{city}')?.summary).toMatch(/^\$0\.001–\$0\.365 · USDC/);
    expect(shown.find((b) => b.path === '/weather/cities')?.summary).not.toMatch(/USDC/);
    await page.screenshot({ path: join(OUTPUT, 'swagger-ui.png'), fullPage: true });
  }, 60_000);

  it('shows the payment header, the 402 response and the price details of an operation', async () => {
    const block = page.locator('.opblock', { has: page.locator('.opblock-summary-path[data-path="/weather/forecast/{city}"]') });
    await block.locator('.opblock-summary').first().click();
    await block.locator('.opblock-body').waitFor({ timeout: 10_000 });
    const body = block.locator('.opblock-body');
    await expect(body.locator('.parameters').textContent()).resolves.toContain('PAYMENT-SIGNATURE');
    const responses = await body.locator('.responses-table .response').evaluateAll((rows) =>
      rows.map((row) => ({ code: row.querySelector('.response-col_status')?.textContent?.trim() ?? '', text: row.textContent ?? '' })),
    );
    expect(responses.map((r) => r.code)).toEqual(expect.arrayContaining(['200', '402']));
    expect(responses.find((r) => r.code === '402')?.text).toContain('PAYMENT-REQUIRED');
    expect(responses.find((r) => r.code === '200')?.text).toContain('PAYMENT-RESPONSE');
    await expect(body.locator('.opblock-description-wrapper').textContent()).resolves.toContain('x402 price: $0.01 (USD)');
    await block.screenshot({ path: join(OUTPUT, 'swagger-ui-forecast.png') });
  }, 60_000);

  it('lets a page on another origin read PAYMENT-REQUIRED and send PAYMENT-SIGNATURE (real CORS)', async () => {
    await page.goto(otherOriginUrl);
    const result = await page.evaluate(async (api) => {
      const challenge = await fetch(`${api}/weather/forecast/lisbon`);
      const header = challenge.headers.get('PAYMENT-REQUIRED');
      const paid = await fetch(`${api}/weather/forecast/lisbon`, { headers: { 'PAYMENT-SIGNATURE': 'not-a-payment' } });
      return { origin: location.origin, status: challenge.status, decoded: header ? JSON.parse(atob(header)) : null, paidStatus: paid.status };
    }, demo.url);
    expect(result.origin).not.toBe(new URL(demo.url).origin);
    expect(result.status).toBe(402);
    expect(result.decoded).toMatchObject({ x402Version: 2, accepts: [{ amount: '10000', network: demo.devnet.network }] });
    expect(result.paidStatus).toBe(400); // the header went through the preflight and reached the guard
  }, 60_000);
});
