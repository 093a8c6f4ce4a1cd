import { jest } from '@jest/globals';
import { X402ChainHealthIndicator } from '@nestjs-x402/core/health';
import { startDemo, type DemoHarness } from './support/demo.harness.js';

/**
 * The public health probe says up or down, nothing more (no backlog, signer address or gas
 * balance), and a flood of probes costs one round of ledger and RPC queries per 1.5 s; the
 * details are at /admin/health, behind the admin token.
 */
describe('health endpoints (anvil, PostgreSQL)', () => {
  let demo: DemoHarness;
  const chainChecks = jest.spyOn(X402ChainHealthIndicator.prototype, 'isHealthy');

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    chainChecks.mockRestore();
    await demo?.close();
  });

  it('GET /health is { status: "up" } only', async () => {
    const res = await fetch(`${demo.url}/health`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'up' });
    for (const secret of [demo.devnet.accounts.facilitator.address, 'balance', 'backlog', 'blockNumber']) expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
  });

  it('50 probes at once and 50 in a row make one round of checks per 1.5 s', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1600)); // past the cache of the previous test
    chainChecks.mockClear();
    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 50 }, () => fetch(`${demo.url}/health`)));
    for (let i = 0; i < 50; i++) burst.push(await fetch(`${demo.url}/health`));
    expect(burst.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(chainChecks.mock.calls.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1500) + 1);
  });

  it('GET /admin/health gives the details with the admin token, 401 without', async () => {
    expect((await fetch(`${demo.url}/admin/health`)).status).toBe(401);
    const res = await fetch(`${demo.url}/admin/health`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).details).toMatchObject({ ledger: { status: 'up' }, outbox: { status: 'up' }, chain: { status: 'up' }, facilitator: { status: 'up' } });
  });
});
