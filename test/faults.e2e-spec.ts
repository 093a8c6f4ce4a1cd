import { randomBytes } from 'node:crypto';
import type { PaymentRequirements } from '@x402/core/types';
import { DataSource } from 'typeorm';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { challengeOf, signPayment } from './support/demo.harness.js';
import { DATABASE_URL } from './support/databases.js';
import { demoProcessEnv } from './support/demo-process.js';
import { freePort, start, type Child } from './support/processes.js';
import { metricValue, parsePrometheus } from './support/prometheus.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { buildDemo } from './support/build.js';
import { reconcileCommand } from './support/reconcile.js';

/**
 * Real faults against the demo running as its own process: the chain's RPC vanishes and comes
 * back, PostgreSQL drops the app's connections. Priced routes fail closed (never 200 unpaid, never
 * a 500), /admin/health says so, the process lives, and payments work again afterwards.
 */
describe('faults: chain down, database connections dropped (separate process)', () => {
  let devnet: Devnet;
  let rpc: TcpProxy;
  let db: DataSource;
  let app: Child;
  let url: string;
  let accepted: PaymentRequirements;
  const schema = `x402_faults_${randomBytes(4).toString('hex')}`;
  const route = () => `${url}/weather/forecast/amsterdam`;

  beforeAll(async () => {
    buildDemo();
    devnet = await startDevnet();
    rpc = new TcpProxy(await freePort(), { host: '127.0.0.1', port: Number(new URL(devnet.rpcUrl).port) });
    await rpc.up();
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    await db.query(`CREATE SCHEMA ${schema}`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    app = start(process.execPath, ['dist/apps/demo-api/src/main.js'], demoProcessEnv(devnet, { port, schema, rpcUrl: rpc.url }));
    await app.waitFor(/x402 demo API on/);
    accepted = await challengeOf(route());
  }, 60_000);

  afterAll(async () => {
    if (app && app.process.exitCode === null) {
      app.process.kill('SIGTERM');
      await app.exited;
    }
    await rpc?.down();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.destroy();
    await devnet?.stop();
  });

  const pay = async () => fetch(route(), { headers: { 'PAYMENT-SIGNATURE': await signPayment(devnet.accounts.buyer.account, accepted, devnet.chainId) } });
  const merchant = () => devnet.balanceOf(devnet.accounts.payTo.address);

  it('pays normally and reports healthy', async () => {
    expect((await pay()).status).toBe(200);
    const health = await fetch(`${url}/admin/health`, { headers: { authorization: `Bearer ${schema}-admin-token` } });
    expect(health.status).toBe(200);
    expect((await health.json()).details).toMatchObject({ ledger: { status: 'up' }, chain: { status: 'up' }, facilitator: { status: 'up' }, outbox: { status: 'up' } });
  });

  it('with the chain unreachable: priced routes answer 503 with a code, /admin/health is 503, the process lives', async () => {
    await rpc.down();
    const before = await merchant();
    for (let i = 0; i < 5; i++) {
      const res = await pay();
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('facilitator_unavailable');
    }
    expect((await fetch(`${url}/weather/cities`)).status).toBe(200); // free routes still work
    const health = await fetch(`${url}/admin/health`, { headers: { authorization: `Bearer ${schema}-admin-token` } });
    expect(health.status).toBe(503);
    const details = (await health.json()).details;
    expect(details.chain.status).toBe('down');
    expect(details.facilitator.status).toBe('down');
    expect(await merchant()).toBe(before);
    expect(app.process.exitCode).toBeNull();
    // operators see it as RPC errors, not as payers' faults
    const metrics = parsePrometheus(await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${schema}-admin-token` } })).text());
    // at verify, or at settle when the payer's balance and code were known (no RPC needed to verify): nothing was sent either way
    expect(metricValue(metrics, 'x402_rpc_errors_total', { network: devnet.network })).toBe(5);
    expect(metricValue(metrics, 'x402_payments_failed_total', { reason: 'facilitator_unavailable' })).toBe(5);
  });

  it('works again once the chain is back', async () => {
    await rpc.up();
    expect((await pay()).status).toBe(200);
    expect((await fetch(`${url}/admin/health`, { headers: { authorization: `Bearer ${schema}-admin-token` } })).status).toBe(200);
  });

  it('survives PostgreSQL dropping its connections: no 500, never served unpaid, then recovers', async () => {
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [schema]);
    const before = await merchant();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await pay()).status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const served = statuses.filter((s) => s === 200).length;
    expect((await merchant()) - before).toBe(BigInt(served) * 10_000n);
    expect(statuses.at(-1)).toBe(200);
    expect(app.process.exitCode).toBeNull();
  });

  it('afterwards the ledger equals the chain (x402 reconcile)', async () => {
    const env = demoProcessEnv(devnet, { port: 0, schema });
    const { code, report } = await reconcileCommand(env.DATABASE_URL, devnet.rpcUrl, '--from-block', '0', '--json');
    expect([code, report?.ok, report?.mismatches, report?.pending]).toEqual([0, true, [], []]);
    expect(report!.settled).toBeGreaterThanOrEqual(3);
  });
});
