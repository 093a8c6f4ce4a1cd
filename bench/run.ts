/**
 * `npm run bench`: the reference server (@x402/express) and our demo on Express and Fastify in each
 * settlement mode, each in its own process, measured with autocannon from this one. The references' first
 * runs share one devnet; each of our servers gets a devnet of its own, with a tuned reference of its own for
 * the paid runs right before ours: anvil slows down as its chain grows (a receipt ~1 ms after the send on a
 * new chain, ~5-9 ms after 3,000 transactions), so every paid run starts on a chain of the same age.
 * Writes bench/results/latest.md and latest.json. Environment: DATABASE_URL (PostgreSQL for the
 * ledger, default the local server; PGlite when it does not answer), BENCH_SCALE (multiplies the
 * request counts), BENCH_DURATION_S (seconds of each free/402 run), BENCH_PAID_S (seconds of each
 * paid run, default 4 with 1 client and 5 with more), BENCH_PROFILE=1 (CPU profiles),
 * BENCH_ONLY=reference,tuned,express,fastify, BENCH_MODES=authorization,upfront,deferred,
 * BENCH_SCENARIOS=plain,challenge,paid and BENCH_PAID=1x64,8x1,8x64 (paid runs as clients x payers)
 * (subsets, e.g. to profile one path), BENCH_PAIRED=0 (ratios against the references' first runs instead
 * of a run of theirs right before each of ours).
 */
import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startDevnet, type Devnet } from '@nestjs-x402/testing';
import { checkChain } from './chain-check.js';
import { killAll, startServer, type ServerProcess } from './child.js';
import { paidRun, timedRun, type PaidLoadResult } from './load.js';
import { signPayments, type SignedPayment } from './payments.js';
import { summarizeProfile } from './profile.js';
import { addRatios, evaluateTargets, renderMarkdown, type BenchReport, type RunRecord, type ServerRecord } from './report.js';
import { FREE_PATH, MAX_TIMEOUT_SECONDS, PAID_PATH, type BenchDevnet } from './servers/server-env.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = join(here, '..', '..');
const resultsDir = join(root, 'bench', 'results');
const env = process.env;
const scale = Number(env.BENCH_SCALE ?? 1);
const durationS = Number(env.BENCH_DURATION_S ?? 5);
const profile = env.BENCH_PROFILE === '1';
const only = (env.BENCH_ONLY ?? 'reference,tuned,express,fastify').split(',');
const scenarios = (env.BENCH_SCENARIOS ?? 'plain,challenge,paid').split(',');
const modes = (env.BENCH_MODES ?? 'authorization,upfront,deferred').split(',') as ('authorization' | 'upfront' | 'deferred')[];
const TIMED_CLIENTS = 8;
/** Each of our runs right after the same run of the (tuned) reference; BENCH_PAIRED=0 for the references' first runs only. */
const paired = env.BENCH_PAIRED !== '0';
const BUYERS = 64;
/** Paid runs: concurrent clients, and how many payers their payments come from (one payer: a single agent's parallel calls). */
const PAID_CASES = (env.BENCH_PAID ?? '1x64,8x1,8x64').split(',').map((text) => {
  const [clients, payers] = text.split('x').map(Number);
  return { clients, payers: Math.min(payers || BUYERS, BUYERS) };
});
/** Seconds of a paid run, by client count; a run also ends when its pre-signed payments run out. */
const paidSeconds = (clients: number) => Number(env.BENCH_PAID_S ?? (clients === 1 ? 4 : 5));
/** Pre-signed payments per paid run, by client count: more than each mode's pace can use in that time. */
const PAID_POOL = {
  settled: { 1: 600, 8: 2000 },
  deferred: { 1: 1500, 8: 4000 },
} as const;
const poolSize = (pool: Record<number, number>, clients: number) => Math.round((pool[clients] ?? pool[8]) * scale * (paidSeconds(clients) / (clients === 1 ? 4 : 5)));

const log = (line: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const t0 = performance.now();

/** Runs one statement on PostgreSQL at `url`; throws if it cannot connect. */
async function sql(url: string, text: string): Promise<void> {
  const dataSource = new DataSource({ type: 'postgres', url, extra: { connectionTimeoutMillis: 2000, max: 1 } });
  await dataSource.initialize();
  try {
    await dataSource.query(text);
  } finally {
    await dataSource.destroy();
  }
}

/** The PostgreSQL of the ledger: DATABASE_URL, else the local server; undefined when none answers. */
async function postgresUrl(): Promise<string | undefined> {
  const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  return sql(url, 'SELECT 1').then(
    () => url,
    () => undefined,
  );
}

/** Share of the machine's CPU busy over `ms` (Linux /proc/stat), e.g. other test runs; undefined elsewhere. */
async function cpuBusyPct(ms = 1000): Promise<number | undefined> {
  const sample = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const values = fields.map(Number);
    return { idle: values[3] + (values[4] ?? 0), total: values.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const b = sample();
    return Math.round((1 - (b.idle - a.idle) / (b.total - a.total)) * 100);
  } catch {
    return undefined;
  }
}

async function challengeOf(url: string): Promise<PaymentRequirements> {
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 402) throw new Error(`expected 402 from ${url}, got ${res.status}`);
  return decodePaymentRequiredHeader(res.headers.get('payment-required')!).accepts[0];
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const profileDir = join(resultsDir, 'profiles');
  if (profile) rmSync(profileDir, { recursive: true, force: true });
  const busyBefore = await cpuBusyPct();
  if (busyBefore !== undefined && busyBefore > 20) log(`warning: ${busyBefore}% of the CPU was busy before the run (other processes): the numbers will be low and noisy`);
  const databaseUrl = await postgresUrl();
  const ledger = databaseUrl ? `PostgreSQL (${databaseUrl.replace(/\/\/[^@/]*@/, '//')}), a fresh schema per server process` : 'PGlite in memory (no PostgreSQL answered)';
  log(`ledger: ${ledger}`);
  const devnets = new Set<Devnet>();
  stopDevnet = async () => {
    for (const devnet of devnets) await devnet.stop();
  };
  /** A new devnet: anvil with TestUSDC and 64 funded buyers. */
  const newDevnet = async (purpose: string): Promise<Devnet> => {
    const devnet = await startDevnet({ buyers: BUYERS - 1 });
    devnets.add(devnet);
    log(`devnet ${devnet.network} at ${devnet.rpcUrl}, ${BUYERS} funded buyers (${purpose})`);
    return devnet;
  };
  const dropDevnet = async (devnet: Devnet): Promise<void> => {
    devnets.delete(devnet);
    await devnet.stop();
  };
  const buyersOf = (devnet: Devnet) => [devnet.accounts.buyer.account, ...devnet.accounts.buyers.map((b) => b.account)];
  const factsOf = (devnet: Devnet): BenchDevnet => ({
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    usdc: { address: devnet.usdc.address, name: devnet.usdc.name, version: devnet.usdc.version, decimals: devnet.usdc.decimals },
    payTo: devnet.accounts.payTo.address,
    facilitatorPrivateKey: devnet.accounts.facilitator.privateKey,
  });
  const runs: RunRecord[] = [];
  const servers: ServerRecord[] = [];
  const schemas: string[] = [];

  /** A server process under measurement: what it was sent, and its unsent pre-signed payments by payer count. */
  interface Measured {
    name: string;
    server: RunRecord['server'];
    mode: string;
    proc: ServerProcess;
    devnet: Devnet;
    fromBlock: bigint;
    outcomes: PaidLoadResult['outcomes'];
    pools: Map<number, SignedPayment[]>;
    pool: Record<number, number>;
    accepted?: PaymentRequirements;
  }
  /** Every payment any server was sent: the chain check of one server ignores the others' on its devnet. */
  const allSent = new Set<string>();

  const start = async (
    devnet: Devnet,
    name: string,
    server: RunRecord['server'],
    mode: string,
    script: string,
    serverEnv: Record<string, string>,
    pool: Record<number, number>,
  ): Promise<Measured> => {
    const fromBlock = (await devnet.publicClient.getBlockNumber()) + 1n;
    // Each server pays gas with a key of its own: with one key shared, the tuned reference's nonce manager found its
    // nonces taken by our servers' transactions and its paired runs slowed ~10x.
    const gasKey = generatePrivateKey();
    await devnet.testClient.setBalance({ address: privateKeyToAccount(gasKey).address, value: parseEther('1000') });
    const proc: ServerProcess = await startServer({
      name,
      script: join(here, 'servers', script),
      env: { ...serverEnv, X402_FACILITATOR_PRIVATE_KEY: gasKey, BENCH_DEVNET: JSON.stringify({ ...factsOf(devnet), facilitatorPrivateKey: gasKey }) },
      logFile: join(resultsDir, `${name}.log`),
      cpuProfileDir: profile ? profileDir : undefined,
    });
    log(`${name}: listening on ${proc.url} (pid ${proc.pid})`);
    return { name, server, mode, proc, devnet, fromBlock, outcomes: [], pools: new Map(), pool };
  };

  /** One free-route or 402 run of `m`. */
  const timed = async (m: Measured, scenario: 'plain' | 'challenge', pairedWith?: string): Promise<RunRecord> => {
    const result = await timedRun(m.proc.url, scenario === 'plain' ? FREE_PATH : PAID_PATH, TIMED_CLIENTS, durationS, scenario === 'plain' ? 200 : 402);
    const run: RunRecord = { server: m.server, mode: m.mode, scenario, result, ...(pairedWith ? { pairedWith } : {}) };
    runs.push(run);
    log(`${m.name} ${scenario}${pairedWith ? ` (beside ${pairedWith})` : ''}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`);
    return run;
  };

  /** One paid run of `m`: `clients` concurrent clients sending payments of `payers` payers. */
  const paid = async (m: Measured, clients: number, payers: number, pairedWith?: string): Promise<RunRecord> => {
    m.accepted ??= await challengeOf(m.proc.url + PAID_PATH);
    const want = poolSize(m.pool, clients);
    // payments signed more than a minute ago are dropped (never sent): deferred mode wants time to settle before validBefore
    const pool = (m.pools.get(payers) ?? []).filter((p) => p.validBefore - Date.now() / 1000 > MAX_TIMEOUT_SECONDS - 60);
    // one payer: the last buyer (the many-payer runs use it least)
    const buyers = buyersOf(m.devnet);
    const from = payers === 1 ? [buyers[buyers.length - 1]] : buyers.slice(0, payers);
    if (pool.length < want) pool.push(...(await signPayments(from, m.accepted, m.devnet.chainId, want - pool.length)));
    for (const p of pool) allSent.add(`${p.payer}:${p.nonce}`.toLowerCase());
    const result = await paidRun(m.proc.url, PAID_PATH, clients, pool, paidSeconds(clients));
    const label = `${m.name} paid x${clients}, ${payers} payer${payers === 1 ? '' : 's'}${pairedWith ? ` (beside ${pairedWith})` : ''}`;
    if (result.unsent.length === 0) log(`${label}: the ${want} pre-signed payments ran out after ${result.durationS} s (the run ended there)`);
    m.pools.set(payers, result.unsent);
    for (const outcome of result.outcomes) m.outcomes.push({ ...outcome, clients });
    const { outcomes: _, unsent: __, ...summary } = result;
    const run: RunRecord = { server: m.server, mode: m.mode, scenario: 'paid', payers, result: summary, ...(pairedWith ? { pairedWith } : {}) };
    runs.push(run);
    log(`${label}: ${result.served}/${result.requests} served in ${result.durationS} s, ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms ${JSON.stringify(result.statuses)}${result.errors ? `, ${result.errors} errors` : ''}`);
    return run;
  };

  /** Waits for deferred settlements (while the server runs), stops the server, checks the chain, reads the profile. */
  const finish = async (m: Measured, plan: { strict: boolean; waitForServed: boolean }) => {
    const record: ServerRecord = { name: m.name, server: m.server, mode: m.mode };
    let waitedS = 0;
    try {
      if (plan.waitForServed) waitedS = (await checkChain(m.devnet, m.fromBlock, m.outcomes, { waitForServed: true, allSent })).waitedS;
    } finally {
      await m.proc.stop(); // lets the requests in flight finish
    }
    if (m.outcomes.length > 0) {
      record.chain = { ...(await checkChain(m.devnet, m.fromBlock, m.outcomes, { strict: plan.strict, allSent })), waitedS };
      log(`${m.name} chain: ${JSON.stringify(record.chain)}`);
    }
    if (profile) {
      try {
        record.profile = summarizeProfile(join(profileDir, `${m.name}.cpuprofile`));
      } catch (error) {
        log(`${m.name}: no profile (${(error as Error).message})`);
      }
    }
    servers.push(record);
  };

  /** The shipped reference: its first runs, then the free-route and 402 runs right before each of ours. */
  let reference: Measured | undefined;
  /** Our demo on `adapter` in `mode`, on `devnet`: its runs, each after the same run of a reference when paired. */
  const measureOurs = async (devnet: Devnet, adapter: 'express' | 'fastify', mode: (typeof modes)[number], name: string, tuned?: Measured) => {
    const schema = `x402_bench_${randomBytes(4).toString('hex')}`;
    if (databaseUrl) {
      await sql(databaseUrl, `CREATE SCHEMA ${schema}`);
      schemas.push(schema);
    }
    const ours = await start(
      devnet,
      name,
      adapter,
      mode,
      'demo-server.js',
      {
        BENCH_ADAPTER: adapter,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl, BENCH_SCHEMA: schema } : { DATABASE_URL: '' }),
        X402_NETWORK: devnet.network,
        X402_RPC_URL: devnet.rpcUrl,
        X402_ASSET: devnet.usdc.address,
        X402_ASSET_NAME: devnet.usdc.name,
        X402_ASSET_VERSION: devnet.usdc.version,
        X402_ASSET_DECIMALS: String(devnet.usdc.decimals),
        X402_PAY_TO: devnet.accounts.payTo.address,
        X402_SETTLEMENT_MODE: mode,
        X402_PUBLIC_URL: '',
        X402_FACILITATOR_URL: '',
      },
      mode === 'deferred' ? PAID_POOL.deferred : PAID_POOL.settled,
    );
    try {
      if (mode === modes[0]) {
        for (const scenario of ['plain', 'challenge'] as const) {
          if (!scenarios.includes(scenario)) continue;
          const beside = paired && reference ? await timed(reference, scenario, name) : undefined;
          const run = await timed(ours, scenario);
          if (beside) run.paired = { reference: beside.result };
        }
      }
      for (const { clients, payers } of scenarios.includes('paid') ? PAID_CASES : []) {
        const beside = tuned ? await paid(tuned, clients, payers, name) : undefined;
        const run = await paid(ours, clients, payers);
        if (beside) run.paired = { tuned: beside.result };
      }
    } finally {
      await finish(ours, { strict: true, waitForServed: mode === 'deferred' });
    }
  };

  // The references run first on their own, on a devnet of theirs. The shipped one then stays up for the pairings
  // of the free route and the 402 (no chain involved). With BENCH_PAIRED (default), each of our runs is preceded by
  // the same run of the reference (free route, 402) or of a tuned reference started on our server's devnet (paid),
  // so that each ratio compares two runs a few seconds apart, on chains of the same age.
  try {
    const first = await newDevnet("the references' first runs");
    if (only.includes('reference')) {
      reference = await start(first, 'reference', 'reference', 'reference', 'reference-server.js', {}, PAID_POOL.settled);
      for (const scenario of ['plain', 'challenge'] as const) if (scenarios.includes(scenario)) await timed(reference, scenario);
      for (const { clients, payers } of scenarios.includes('paid') ? PAID_CASES : []) await paid(reference, clients, payers);
    }
    const tunedOn = (devnet: Devnet, name: string) =>
      // the reference with viem's nonceManager: serves what the shipped one refuses; paid runs only
      start(devnet, name, 'tuned', 'reference', 'reference-server.js', { BENCH_NONCE_MANAGER: '1' }, PAID_POOL.settled);
    const withTuned = only.includes('tuned') && scenarios.includes('paid');
    if (withTuned) {
      const tuned = await tunedOn(first, 'tuned');
      try {
        for (const { clients, payers } of PAID_CASES) await paid(tuned, clients, payers);
      } finally {
        await finish(tuned, { strict: true, waitForServed: false });
      }
    }
    for (const adapter of ['express', 'fastify'] as const) {
      if (!only.includes(adapter)) continue;
      for (const mode of modes) {
        const name = `${adapter}-${mode}`;
        const devnet = await newDevnet(name);
        const tuned = paired && withTuned ? await tunedOn(devnet, `tuned-beside-${name}`) : undefined;
        try {
          await measureOurs(devnet, adapter, mode, name, tuned);
        } finally {
          if (tuned) await finish(tuned, { strict: true, waitForServed: false });
          await dropDevnet(devnet);
        }
      }
    }
    if (reference) await finish(reference, { strict: false, waitForServed: false });
  } finally {
    killAll();
    await stopDevnet();
    for (const schema of schemas) await sql(databaseUrl!, `DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
  }

  addRatios(runs);
  const report: BenchReport = {
    startedAt: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    durationS: Math.round((performance.now() - t0) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      note: 'The load generator (autocannon, this process), the server under test (its own process), anvil and PostgreSQL all share these cores.',
      busyBeforePct: busyBefore,
    },
    ledger,
    buyers: BUYERS,
    runs,
    servers,
    targets: evaluateTargets(runs, servers),
  };
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  const markdown = renderMarkdown(report);
  writeFileSync(join(resultsDir, 'latest.md'), markdown);
  console.log('\n' + markdown);
  log(`wrote bench/results/latest.md and latest.json`);
}

let stopDevnet: (() => Promise<void>) | undefined;
const interrupt = () => {
  killAll();
  void (stopDevnet?.() ?? Promise.resolve()).finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);
main().catch(async (error: Error) => {
  killAll();
  await stopDevnet?.().catch(() => undefined);
  console.error(error.stack ?? error.message);
  process.exit(1);
});
