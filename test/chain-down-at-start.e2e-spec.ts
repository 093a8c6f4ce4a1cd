import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { payingFetch } from './support/demo.harness.js';
import { DATABASE_URL } from './support/databases.js';
import { demoProcessEnv } from './support/demo-process.js';
import { freePort, start, type Child } from './support/processes.js';
import { buildDemo } from './support/build.js';

/**
 * The chain is down before the first payment of a fresh process: @x402/evm's asset-contract check
 * (run in the background of verify, cached afterwards) has never succeeded. A payment must get a
 * 503 with a code and leave the process up, however the background check ends; once the chain is
 * back (anvil restarted on the same port), payments go through.
 */
describe('chain RPC down before the first payment (separate process)', () => {
  let devnet: Devnet | undefined;
  let rpcPort: number;
  let db: DataSource;
  let app: Child;
  let url: string;
  let usdc: string;
  const schema = `x402_rpcdown_${randomBytes(4).toString('hex')}`;
  const route = () => `${url}/weather/forecast/amsterdam`;
  let adminAuth: Record<string, string>;

  beforeAll(async () => {
    buildDemo();
    rpcPort = await freePort();
    devnet = await startDevnet({ port: rpcPort });
    usdc = devnet.usdc.address;
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    await db.query(`CREATE SCHEMA ${schema}`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = demoProcessEnv(devnet, { port, schema });
    adminAuth = { authorization: `Bearer ${env.X402_ADMIN_TOKEN}` };
    app = start(process.execPath, ['dist/apps/demo-api/src/main.js'], env);
    await app.waitFor(/x402 demo API on/);
  }, 60_000);

  afterAll(async () => {
    if (app && app.process.exitCode === null) {
      app.process.kill('SIGTERM');
      await app.exited;
    }
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.destroy();
    await devnet?.stop();
  });

  const alive = () => app.process.exitCode === null && app.process.signalCode === null;

  it('answers 503 with a code to signed payments, reports /health 503, and stays up', async () => {
    const buyer = devnet!.accounts.buyer.account;
    await devnet!.stop();
    devnet = undefined;
    const pay = payingFetch(buyer); // the official client: 402, signs, retries with PAYMENT-SIGNATURE
    for (let i = 0; i < 3; i++) {
      const res = await pay(route());
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('facilitator_unavailable');
    }
    // a process killed by an unhandled rejection of the background check answers nothing from here on
    expect((await fetch(`${url}/health`)).status).toBe(503); // the public probe: up or down only
    const health = await fetch(`${url}/admin/health`, { headers: adminAuth });
    expect(health.status).toBe(503);
    expect((await health.json()).details.chain.status).toBe('down');
    expect((await fetch(`${url}/weather/cities`)).status).toBe(200);
    expect(alive()).toBe(true);
    expect(app.output()).not.toMatch(/failed to check whether asset is a contract/);
  });

  it('takes payments again once anvil is back on the same port', async () => {
    devnet = await startDevnet({ port: rpcPort });
    expect(devnet.usdc.address).toBe(usdc); // a fresh chain, deployed the same way: the same token
    const before = await devnet.balanceOf(devnet.accounts.payTo.address);
    const res = await payingFetch(devnet.accounts.buyer.account)(route());
    expect(res.status).toBe(200);
    expect(res.headers.get('payment-response')).toBeTruthy();
    expect((await devnet.balanceOf(devnet.accounts.payTo.address)) - before).toBe(10_000n);
    expect((await fetch(`${url}/admin/health`, { headers: adminAuth })).status).toBe(200); // uncached, unlike /health
    expect(alive()).toBe(true);
  });
});
