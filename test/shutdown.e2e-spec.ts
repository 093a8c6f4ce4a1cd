import { decodePaymentResponseHeader } from '@x402/core/http';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { challengeOf, signPayment } from './support/demo.harness.js';
import { DATABASE_URL } from './support/databases.js';
import { demoProcessEnv } from './support/demo-process.js';
import { freePort, start, type Child } from './support/processes.js';
import { buildDemo } from './support/build.js';

/** SIGTERM while a settlement waits for its block: the request still completes, paid, then the process exits 0. */
describe('graceful shutdown drains in-flight settlements (separate process, anvil)', () => {
  let devnet: Devnet;
  let db: DataSource;
  let app: Child;
  const schema = `x402_stop_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    buildDemo();
    devnet = await startDevnet();
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    await db.query(`CREATE SCHEMA ${schema}`);
  }, 60_000);

  afterAll(async () => {
    if (app && app.process.exitCode === null && app.process.signalCode === null) app.process.kill('SIGKILL');
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.destroy();
    await devnet?.stop();
  });

  it('finishes the paid request in flight, records it, and exits 0', async () => {
    const port = await freePort();
    app = start(process.execPath, ['dist/apps/demo-api/src/main.js'], demoProcessEnv(devnet, { port, schema }));
    await app.waitFor(/x402 demo API on/);
    const route = `http://127.0.0.1:${port}/weather/forecast/singapore`;
    const accepted = await challengeOf(route);
    await devnet.testClient.setAutomine(false);
    await devnet.testClient.setIntervalMining({ interval: 2 });
    const pending = fetch(route, { headers: { 'PAYMENT-SIGNATURE': await signPayment(devnet.accounts.buyer.account, accepted, devnet.chainId) } });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await db.query(`SELECT 1 FROM ${schema}.x402_payments WHERE state = 'settling'`)).length === 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    app.process.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!).success).toBe(true);
    expect(await app.exited).toBe(0);
    expect(await db.query(`SELECT state FROM ${schema}.x402_payments`)).toEqual([{ state: 'settled' }]);
    await devnet.testClient.setAutomine(true);
  });
});
