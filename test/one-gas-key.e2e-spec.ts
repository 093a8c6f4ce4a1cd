import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { buildDemo } from './support/build.js';
import { DATABASE_URL } from './support/databases.js';
import { payingFetch } from './support/demo.harness.js';
import { demoProcessEnv } from './support/demo-process.js';
import { freePort, start, type Child } from './support/processes.js';

const PAYMENTS = 100;
const BUYERS = 10;

/**
 * Replicas that share one gas key (the usual deployment: one secret for every instance) on one PostgreSQL:
 * two demo processes settle locally with the same key. Nonces are coordinated through the database the
 * instances share, and a nonce taken by someone else (an operator's transaction) is retried with a fresh
 * one instead of failing the payer.
 */
describe('one gas key, two instances (separate processes, PostgreSQL, anvil)', () => {
  let devnet: Devnet;
  let db: DataSource;
  const schema = `x402_onekey_${randomBytes(4).toString('hex')}`;
  const apps: Child[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    buildDemo();
    devnet = await startDevnet({ buyers: BUYERS });
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    await db.query(`CREATE SCHEMA ${schema}`);
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const app = start(process.execPath, ['dist/apps/demo-api/src/main.js'], demoProcessEnv(devnet, { port, schema }));
      apps.push(app);
      urls.push(`http://127.0.0.1:${port}`);
      await app.waitFor(/x402 demo API on/, 60_000); // one at a time: the first runs the migrations
    }
  }, 120_000);

  afterAll(async () => {
    for (const app of apps) {
      app.process.kill('SIGTERM');
      await app.exited;
    }
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.destroy();
    await devnet?.stop();
  });

  const settledRows = async () => (await db.query(`SELECT count(*)::int AS n FROM ${schema}.x402_payments WHERE state = 'settled'`))[0].n as number;

  it(`serves ${PAYMENTS} distinct payments spread over both instances, each settled once with the shared key`, async () => {
    const before = await devnet.balanceOf(devnet.accounts.payTo.address);
    const statuses: number[] = [];
    await Promise.all(
      devnet.accounts.buyers.map(async (buyer, b) => {
        const pay = payingFetch(buyer.account);
        for (let i = 0; i < PAYMENTS / BUYERS; i++) {
          const res = await pay(`${urls[(b + i) % 2]}/weather/forecast/lisbon`);
          statuses.push(res.status);
          await res.arrayBuffer();
        }
      }),
    );
    expect(statuses.filter((s) => s === 200).length).toBe(PAYMENTS);
    expect(await devnet.balanceOf(devnet.accounts.payTo.address)).toBe(before + BigInt(PAYMENTS) * 10_000n);
    expect(await settledRows()).toBe(PAYMENTS);
  }, 180_000);

  it("takes the next payment after an operator's own transaction used the key's nonce", async () => {
    const pay = payingFetch(devnet.accounts.buyers[0].account);
    for (const url of urls) {
      // The operator sends with the gas key outside the app: the next nonce each instance knew is now taken.
      const hash = await devnet.walletClient.sendTransaction({ to: devnet.accounts.payTo.address, value: 1n });
      await devnet.publicClient.waitForTransactionReceipt({ hash });
      const res = await pay(`${url}/weather/forecast/lisbon`);
      expect(res.status).toBe(200);
    }
  }, 60_000);
});
