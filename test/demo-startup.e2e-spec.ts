import { decodePaymentRequiredHeader } from '@x402/core/http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, start, type Child } from './support/processes.js';
import { buildDemo } from './support/build.js';

/**
 * What a newcomer does: start the demo with no configuration (embedded devnet, local facilitator),
 * see a 402, pay it with `x402 pay`. Runs the built demo and CLI as separate processes.
 */
describe('the demo as a newcomer starts it', () => {
  let demo: Child;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    buildDemo();
    const [port, devnetPort] = [await freePort(), await freePort()];
    url = `http://localhost:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'x402-demo-'));
    // A newcomer has no DATABASE_URL: the ledger is embedded PGlite in the data folder.
    demo = start(process.execPath, ['dist/apps/demo-api/src/main.js'], { PORT: String(port), DEVNET_PORT: String(devnetPort), X402_DATA_DIR: dataDir, DATABASE_URL: '' });
    await demo.waitFor(/pay: npx x402 pay/);
  }, 60_000);

  afterAll(async () => {
    if (demo && demo.process.exitCode === null) {
      demo.process.kill('SIGTERM');
      await demo.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL, the buyer and how to pay', () => {
    expect(demo.output()).toContain(`x402 demo API on ${url}`);
    expect(demo.output()).toContain('demo buyer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    expect(demo.output()).toContain(`npx x402 pay ${url}/weather/forecast/lisbon`);
  });

  it('serves a valid v2 402 on the $0.01 route', async () => {
    const res = await fetch(`${url}/weather/forecast/lisbon`);
    expect(res.status).toBe(402);
    expect(decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts[0]).toMatchObject({ amount: '10000', network: 'eip155:31337' });
  });

  it('`x402 pay` gets 200 with a successful PAYMENT-RESPONSE (exit 0)', async () => {
    const { code, output } = await run(process.execPath, ['libs/x402/bin/x402.mjs', 'pay', `${url}/weather/forecast/lisbon`, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(output.slice(output.indexOf('{')));
    expect(result.status).toBe(200);
    expect(result.paymentResponse).toMatchObject({ success: true, network: 'eip155:31337', payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });
    expect(result.paymentResponse.transaction).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('serves Swagger UI at /docs and the document at /openapi.json', async () => {
    expect((await fetch(`${url}/docs`)).status).toBe(200);
    const document = await (await fetch(`${url}/openapi.json`)).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/weather/forecast/{city}', '/search']));
  });

  it('keeps the ledger in embedded PGlite under the data folder', async () => {
    expect(demo.output()).toContain(`ledger: embedded PGlite in ${dataDir}`);
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
  });

  it('stops cleanly on SIGTERM', async () => {
    demo.process.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
  });

  it('exits non-zero naming the variable on bad configuration', async () => {
    const { code, output } = await run(process.execPath, ['dist/apps/demo-api/src/main.js'], { X402_NETWORK: 'eip155:84532', X402_PAY_TO: 'not-an-address' });
    expect(code).toBe(1);
    expect(output).toContain('X402_PAY_TO');
  });
});
