import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { PaymentRequirements } from '@x402/core/types';
import { DataSource } from 'typeorm';
import { startDevnet, type Devnet, type DevnetAccount } from '@nestjs-x402/testing';
import { challengeOf, errorOf, signPayment } from './support/demo.harness.js';
import { DATABASE_URL } from './support/databases.js';
import { demoProcessEnv } from './support/demo-process.js';
import { freePort, start, type Child } from './support/processes.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { buildDemo } from './support/build.js';
import { reconcileCommand } from './support/reconcile.js';

/** Seconds of traffic: 90 by default (CI), longer with X402_SOAK_SECONDS. */
const SOAK_SECONDS = Number(process.env.X402_SOAK_SECONDS ?? 90);
const CLIENTS = 4;
/** The chain's RPC is cut for CUT_MS at the end of every FAULT_EVERY_MS of traffic. */
const FAULT_EVERY_MS = 30_000;
const CUT_MS = 5_000;
/** How long a settlement left open by a fault may take to end once the chain is back. */
const SETTLE_DEADLINE_MS = 180_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  payments: number;
  served: number;
  pending: number;
  pendingRedeemed: number;
  pendingAbandoned: number;
  refused: Record<string, number>;
  faults: number;
  /** Rows still open 30 s after the traffic, that waited for their authorization to expire. */
  heldToExpiry: number;
}

/**
 * Soak: the demo as its own process (PostgreSQL ledger, local facilitator, the chain's RPC behind a TCP proxy),
 * four payers paying without pause while the RPC is cut for 5 s every 30 s. Each payer behaves as an x402 client
 * should: a 200 is served; a `503 settlement_pending` keeps its receipt and sends the same authorization again
 * after Retry-After until it is served (or told 402); any other refusal signs a new payment. Afterwards, with the
 * chain back and nothing pending: the process never exited, no 5xx but a 503 with a stable code, and the
 * payments charged on chain are exactly the payments answered 200 and exactly the settled rows (per payer and
 * nonce, none twice), and `x402 reconcile` agrees.
 */
describe('soak: 4 payers, the chain RPC cut every 30 s (separate process)', () => {
  let devnet: Devnet;
  let rpc: TcpProxy;
  let db: DataSource;
  let app: Child;
  let url: string;
  let accepted: PaymentRequirements;
  const schema = `x402_soak_${randomBytes(4).toString('hex')}`;
  const route = () => `${url}/weather/forecast/amsterdam`;

  beforeAll(async () => {
    buildDemo();
    devnet = await startDevnet({ buyers: CLIENTS });
    rpc = new TcpProxy(await freePort(), { host: '127.0.0.1', port: Number(new URL(devnet.rpcUrl).port) });
    await rpc.up();
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    await db.query(`CREATE SCHEMA ${schema}`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // a short hold: what a cut leaves open is read from the chain within seconds of its return
    app = start(process.execPath, ['dist/apps/demo-api/src/main.js'], demoProcessEnv(devnet, { port, schema, rpcUrl: rpc.url, extra: { X402_SETTLEMENT_HOLD_MS: '5000' } }));
    await app.waitFor(/x402 demo API on/);
    accepted = await challengeOf(route());
  }, 120_000);

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

  it(
    'ends with ledger == chain == the payments answered 200, none charged twice or without a response',
    async () => {
      const figures: Figures = { payments: 0, served: 0, pending: 0, pendingRedeemed: 0, pendingAbandoned: 0, refused: {}, faults: 0, heldToExpiry: 0 };
      const served = new Set<string>(); // payer:nonce answered 200
      const violations: string[] = [];
      const trafficEnd = Date.now() + SOAK_SECONDS * 1000;
      let chainBack = Promise.resolve();

      const send = async (header: string): Promise<{ status: number; code?: string; retryAfter: number; body: unknown }> => {
        const res = await fetch(route(), { headers: { 'PAYMENT-SIGNATURE': header } });
        const text = await res.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        const code = errorOf(body).code;
        if (res.status >= 500 && (res.status !== 503 || !code)) violations.push(`${res.status} ${code ?? ''} ${text.slice(0, 200)}`);
        if (res.status === 200 && !(body as { days?: unknown }).days) violations.push(`200 without the content: ${text.slice(0, 200)}`);
        return { status: res.status, code, retryAfter: Number(res.headers.get('retry-after') ?? 1), body };
      };

      const client = async (buyer: DevnetAccount) => {
        while (Date.now() < trafficEnd) {
          const nonce = `0x${randomBytes(32).toString('hex')}` as `0x${string}`;
          const key = `${buyer.address.toLowerCase()}:${nonce}`;
          const header = await signPayment(buyer.account, accepted, devnet.chainId, { nonce });
          figures.payments++;
          let res: Awaited<ReturnType<typeof send>>;
          try {
            res = await send(header);
          } catch (error) {
            violations.push(`no answer: ${(error as Error).message}`);
            continue;
          }
          if (res.status === 200) {
            figures.served++;
            served.add(key);
            continue;
          }
          if (res.status === 503 && res.code === 'settlement_pending') {
            figures.pending++;
            // the same authorization again until it is served or refused with a 402 (it can no longer land)
            const deadline = trafficEnd + CUT_MS + 2 * SETTLE_DEADLINE_MS;
            for (;;) {
              if (Date.now() > deadline) {
                violations.push(`pending receipt ${(res.body as { receipt?: string }).receipt} never redeemed`);
                break;
              }
              await sleep(Math.min(Math.max(res.retryAfter, 1), 10) * 1000);
              await chainBack;
              try {
                res = await send(header);
              } catch (error) {
                violations.push(`no answer: ${(error as Error).message}`);
                continue;
              }
              if (res.status === 200) {
                figures.served++;
                figures.pendingRedeemed++;
                served.add(key);
                break;
              }
              if (res.status === 402) {
                figures.pendingAbandoned++;
                break;
              }
            }
            continue;
          }
          const reason = `${res.status} ${res.code ?? ''}`;
          figures.refused[reason] = (figures.refused[reason] ?? 0) + 1;
          if (res.status !== 402 && res.status !== 503) violations.push(`unexpected ${reason}`);
          if (res.status === 503) await sleep(200); // the RPC is cut: do not spin
        }
      };

      const faults = async () => {
        for (;;) {
          const cutAt = Date.now() + FAULT_EVERY_MS - CUT_MS;
          if (cutAt >= trafficEnd) return;
          await sleep(cutAt - Date.now());
          let restore!: () => void;
          chainBack = new Promise<void>((resolve) => (restore = resolve));
          await rpc.down();
          figures.faults++;
          await sleep(CUT_MS);
          await rpc.up();
          restore();
        }
      };

      const clients = Promise.all(devnet.accounts.buyers.map(client));
      await faults();
      await rpc.up();
      while (Date.now() < trafficEnd) await sleep(trafficEnd - Date.now());

      // what a cut left open is found on chain once the RPC is back: polled, with a deadline
      const openRows = async () =>
        Number((await db.query(`SELECT count(*) AS n FROM ${schema}.x402_payments WHERE state IN ('verified', 'queued', 'settling')`))[0].n);
      const waitForNoneOpen = async (ms: number) => {
        const until = Date.now() + ms;
        while ((await openRows()) > 0 && Date.now() < until) await sleep(1000);
      };
      await waitForNoneOpen(30_000);
      // a settlement whose transaction may have gone out during a cut, but never landed, stays open until its
      // authorization expires on chain (validBefore, maxTimeoutSeconds after signing): the chain's clock is moved
      // there (a real chain gets there by itself, in at most maxTimeoutSeconds)
      figures.heldToExpiry = await openRows();
      if (figures.heldToExpiry > 0) {
        await devnet.testClient.increaseTime({ seconds: accepted.maxTimeoutSeconds + 1 });
        await devnet.testClient.mine({ blocks: 1 });
      }
      await clients;
      const settleBy = Date.now() + SETTLE_DEADLINE_MS;
      while ((await openRows()) > 0 && Date.now() < settleBy) await sleep(1000);
      if ((await openRows()) > 0) {
        const open = await db.query(`SELECT id, state, payer, nonce, attempts, error_reason, transaction_hash, created_at, updated_at, next_attempt_at, locked_until, settle_by FROM ${schema}.x402_payments WHERE state IN ('verified', 'queued', 'settling')`);
        for (const row of open) {
          const onChain = await devnet.publicClient.readContract({ address: devnet.usdc.address, abi: devnet.usdc.abi, functionName: 'authorizationState', args: [row.payer, row.nonce] });
          console.log('open after the deadline', JSON.stringify(row), 'nonce used on chain:', onChain, 'answered 200:', served.has(`${row.payer.toLowerCase()}:${row.nonce.toLowerCase()}`));
          console.log(app.output().split('\n').filter((line) => line.includes(row.id)).slice(-20).join('\n'));
        }
        console.log(violations);
        writeFileSync(`${tmpdir()}/${schema}.log`, app.output());
        console.log(`the demo's output: ${tmpdir()}/${schema}.log`);
      }
      expect(await openRows()).toBe(0);

      // the chain: every transfer with authorization to payTo, per payer and nonce
      const token = { address: devnet.usdc.address, abi: devnet.usdc.abi, fromBlock: 0n } as const;
      const payTo = devnet.accounts.payTo.address.toLowerCase();
      const transfers = await devnet.publicClient.getContractEvents({ ...token, eventName: 'Transfer' });
      const used = await devnet.publicClient.getContractEvents({ ...token, eventName: 'AuthorizationUsed' });
      const toPayTo = new Map<string, number>(); // tx:payer -> transfers of the price to payTo
      for (const t of transfers) {
        const { from, to, value } = t.args as { from: string; to: string; value: bigint };
        if (to.toLowerCase() !== payTo) continue;
        if (value !== BigInt(accepted.amount)) violations.push(`transfer of ${value} to payTo in ${t.transactionHash}`);
        const k = `${t.transactionHash}:${from.toLowerCase()}`;
        toPayTo.set(k, (toPayTo.get(k) ?? 0) + 1);
      }
      const charged: string[] = [];
      for (const u of used) {
        const { authorizer, nonce } = u.args as { authorizer: string; nonce: string };
        const k = `${u.transactionHash}:${authorizer.toLowerCase()}`;
        const left = toPayTo.get(k) ?? 0;
        if (left === 0) continue; // an authorization that paid someone else (none in this test)
        toPayTo.set(k, left - 1);
        charged.push(`${authorizer.toLowerCase()}:${nonce.toLowerCase()}`);
      }
      const unmatchedTransfers = [...toPayTo.values()].reduce((a, b) => a + b, 0);

      const settledRows = (await db.query(`SELECT payer, nonce FROM ${schema}.x402_payments WHERE state = 'settled'`)) as { payer: string; nonce: string }[];
      const settled = settledRows.map((r) => `${r.payer.toLowerCase()}:${r.nonce.toLowerCase()}`);
      const merchantTotal = await devnet.balanceOf(devnet.accounts.payTo.address);

      const { code, report, output } = await reconcileCommand(demoProcessEnv(devnet, { port: 0, schema }).DATABASE_URL, devnet.rpcUrl, '--from-block', '0', '--json');

      console.log(
        `soak ${SOAK_SECONDS} s, ${CLIENTS} clients: ${figures.payments} payments signed, ${figures.served} answered 200 ` +
          `(${figures.pendingRedeemed} of them after 503 settlement_pending, redeemed with the same authorization), ` +
          `${figures.pending} pending, ${figures.pendingAbandoned} pending then 402, refused ${JSON.stringify(figures.refused)}, ` +
          `${figures.faults} RPC cuts of ${CUT_MS / 1000} s, ${figures.heldToExpiry} held until their authorization expired; on chain ${charged.length} charged, ledger ${settled.length} settled; ` +
          `reconcile: ${report?.settled} settled, ${report?.mismatches.length} mismatches, ${report?.pending.length} pending, ${report?.failed.length} failed`,
      );

      if (code !== 0) console.log(output);
      expect(app.process.exitCode).toBeNull();
      expect(violations).toEqual([]);
      expect(unmatchedTransfers).toBe(0);
      // each charge once, each settled row once
      expect(new Set(charged).size).toBe(charged.length);
      expect(new Set(settled).size).toBe(settled.length);
      // charged on chain == settled in the ledger == answered 200
      expect([...charged].sort()).toEqual([...settled].sort());
      expect([...charged].sort()).toEqual([...served].sort());
      expect(figures.served).toBe(served.size);
      expect(merchantTotal).toBe(BigInt(figures.served) * BigInt(accepted.amount));
      expect(figures.faults).toBeGreaterThanOrEqual(Math.floor(SOAK_SECONDS / 30));
      expect(figures.served).toBeGreaterThan(0);
      expect([code, report?.ok, report?.mismatches, report?.pending]).toEqual([0, true, [], []]);
      expect(report!.settled).toBe(figures.served);
    },
    (SOAK_SECONDS + 600) * 1000,
  );
});
