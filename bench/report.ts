import type { ChainCheck } from './chain-check.js';
import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile.js';

export type Scenario = 'plain' | 'challenge' | 'paid';

/** One measured run. */
export interface RunRecord {
  /** `reference` (as shipped), `tuned` (the reference with viem's nonceManager) or `express` / `fastify` (our demo on that adapter). */
  server: 'reference' | 'tuned' | 'express' | 'fastify';
  /** Settlement mode (the reference settles before it answers, like `authorization`). */
  mode: string;
  scenario: Scenario;
  /** Paid runs: how many payers the payments come from. */
  payers?: number;
  /** A run of a reference made right before a run of this server (`express-authorization`, ...), for its ratios. */
  pairedWith?: string;
  /** The runs of the reference (free route, 402) or the tuned reference (paid) made right before this one. */
  paired?: { reference?: LoadResult; tuned?: LoadResult };
  result: LoadResult;
  /** This run's req/s over the reference's for the same scenario and clients. */
  ratio?: number;
  /** The same for served responses per second (for paid runs: payments taken and served). */
  servedRatio?: number;
  /** Paid runs: served/s over the tuned reference's (same clients and payers). */
  tunedRatio?: number;
  /** Paid runs: this run's p50 latency over the tuned reference's lower one, paired or first (lower is faster). */
  p50Ratio?: number;
}

/** One server process: what the chain said about its payments, and where its CPU went. */
export interface ServerRecord {
  name: string;
  server: RunRecord['server'];
  mode: string;
  chain?: ChainCheck;
  profile?: ProfileSummary;
}

export interface Target {
  name: string;
  goal: string;
  actual: string;
  met: boolean;
}

export interface BenchReport {
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; node: string; note: string; busyBeforePct?: number };
  ledger: string;
  buyers: number;
  runs: RunRecord[];
  servers: ServerRecord[];
  targets: Target[];
}

const round = (n: number, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);

/** Served responses per second of a run. */
export function servedPerSec(result: LoadResult): number {
  return result.durationS > 0 ? result.served / result.durationS : 0;
}

function find(runs: RunRecord[], server: RunRecord['server'], scenario: Scenario, connections?: number, mode?: string, payers?: number): RunRecord | undefined {
  return runs.find(
    (r) =>
      r.server === server &&
      !r.pairedWith &&
      r.scenario === scenario &&
      (connections === undefined || r.result.connections === connections) &&
      (mode === undefined || r.mode === mode) &&
      (payers === undefined || r.payers === payers),
  );
}

/** Fills each run's ratios to the reference's and the tuned reference's runs of the same scenario, clients and payers. */
export function addRatios(runs: RunRecord[]): void {
  for (const run of runs) {
    if (run.server === 'reference' || run.server === 'tuned') continue;
    const first = (server: 'reference' | 'tuned') => runs.find((r) => !r.pairedWith && r.server === server && r.scenario === run.scenario && r.result.connections === run.result.connections && r.payers === run.payers)?.result;
    const reference = run.paired?.reference ?? first('reference');
    if (reference && reference.reqPerSec > 0) run.ratio = round(run.result.reqPerSec / reference.reqPerSec, 2);
    if (reference && servedPerSec(reference) > 0) run.servedRatio = round(servedPerSec(run.result) / servedPerSec(reference), 2);
    // Paid runs against the tuned reference's better run of the two: the one right before ours (on our devnet), or its
    // first on its own. On one long chain its paired runs waited a whole 250 ms receipt poll per payment (anvil mines
    // slower as its chain grows), which flattered us; each server set now has a devnet of its own, and the rule stays.
    const bestServed = Math.max(0, ...[run.paired?.tuned, first('tuned')].filter((r) => r !== undefined).map((r) => servedPerSec(r!)));
    if (run.scenario === 'paid' && bestServed > 0) run.tunedRatio = round(servedPerSec(run.result) / bestServed, 2);
    const bestP50 = Math.min(...[run.paired?.tuned, first('tuned')].filter((r) => r && r.p50Ms > 0).map((r) => r!.p50Ms));
    if (run.scenario === 'paid' && Number.isFinite(bestP50)) run.p50Ratio = round(run.result.p50Ms / bestP50, 2);
  }
}

/** The targets of issue #15, as ratios to the reference (or the tuned reference, for paid runs) in the same run. */
export function evaluateTargets(runs: RunRecord[], servers: ServerRecord[]): Target[] {
  const targets: Target[] = [];
  const challengeGoal = { express: 1.2, fastify: 3 } as const;
  for (const adapter of ['express', 'fastify'] as const) {
    const challenge = find(runs, adapter, 'challenge');
    if (challenge?.ratio !== undefined) {
      targets.push({ name: `402 challenge, ${adapter}`, goal: `>= ${challengeGoal[adapter]}x reference`, actual: `${challenge.ratio}x`, met: challenge.ratio >= challengeGoal[adapter] });
    }
    const one = find(runs, adapter, 'paid', 1, 'authorization');
    if (one?.p50Ratio !== undefined) {
      targets.push({ name: `paid, 1 client, ${adapter}: p50`, goal: '<= 0.8x the tuned reference\'s p50', actual: `${one.p50Ratio}x (${one.result.p50Ms} ms)`, met: one.p50Ratio <= 0.8 });
    }
    for (const payers of [1, 64]) {
      const paid = find(runs, adapter, 'paid', 8, 'authorization', payers);
      if (paid?.tunedRatio !== undefined) {
        const all = paid.result.served === paid.result.requests && paid.result.errors === 0;
        targets.push({ name: `paid, 8 clients, ${payers} payer${payers === 1 ? '' : 's'}, ${adapter}`, goal: '100% served, >= 2x tuned reference served/s', actual: `${round((paid.result.served / Math.max(1, paid.result.requests)) * 100)}% served, ${paid.tunedRatio}x`, met: all && paid.tunedRatio >= 2 });
      }
      const deferred = find(runs, adapter, 'paid', 8, 'deferred', payers);
      if (deferred?.tunedRatio !== undefined) {
        targets.push({ name: `deferred, 8 clients, ${payers} payer${payers === 1 ? '' : 's'}, ${adapter}`, goal: '>= 10x tuned reference served/s', actual: `${deferred.tunedRatio}x`, met: deferred.tunedRatio >= 10 });
      }
    }
  }
  const fastify = find(runs, 'fastify', 'paid', 8, 'authorization', 64);
  const express = find(runs, 'express', 'paid', 8, 'authorization', 64);
  if (fastify && express) {
    const ratio = round(servedPerSec(fastify.result) / Math.max(servedPerSec(express.result), 1e-9), 2);
    targets.push({ name: 'Fastify vs Express, paid, 8 clients', goal: 'Fastify >= Express', actual: `${ratio}x`, met: ratio >= 1 });
  }
  // the tuned reference sends one transaction per payment: its gas per payment is the same at any concurrency
  const tunedGas = servers.find((s) => s.server === 'tuned')?.chain?.gasPerPayment;
  for (const s of servers.filter((s) => s.server !== 'reference' && s.server !== 'tuned' && s.chain?.concurrent?.gasPerPayment)) {
    if (!tunedGas) break;
    const { gasPerPayment, payments, transactions } = s.chain!.concurrent;
    const ratio = round(gasPerPayment / tunedGas, 2);
    const all = round(s.chain!.gasPerPayment / tunedGas, 2);
    targets.push({
      name: `gas per payment, ${s.name}, 8 clients`,
      goal: '<= 0.75x the tuned reference',
      actual: `${ratio}x (${gasPerPayment} vs ${tunedGas}: ${payments} payments in ${transactions} transactions; ${all}x over all its paid runs, 1 client included)`,
      met: ratio <= 0.75,
    });
  }
  const checked = servers.filter((s) => s.server !== 'reference' && s.chain);
  if (checked.length > 0) {
    const bad = checked.filter((s) => !s.chain!.ok || s.chain!.refusedCharged > 0);
    targets.push({
      name: 'chain: every 200 charged exactly once, nothing charged without a 200',
      goal: 'our servers and the tuned reference',
      actual: bad.length === 0 ? `${checked.reduce((n, s) => n + s.chain!.servedChargedOnce, 0)} payments checked` : `failed: ${bad.map((s) => s.name).join(', ')}`,
      met: bad.length === 0,
    });
  }
  return targets;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${round((part / whole) * 100)}%`;
}

/** The report as Markdown: results table, targets, chain checks, profiles. */
export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Benchmark: nestjs-x402 beside the reference @x402/express`, '');
  lines.push(
    `${report.startedAt}, ${report.durationS} s. Machine: ${report.machine.cpus} cores (${report.machine.cpuModel}), Node ${report.machine.node}. ${report.machine.note}` +
      (report.machine.busyBeforePct !== undefined ? ` CPU busy just before the run: ${report.machine.busyBeforePct}%.` : ''),
    `Ledger: ${report.ledger}. Chain: anvil devnet (automine), TestUSDC, ${report.buyers} funded buyers; every paid request carries a distinct pre-signed EIP-3009 payment.`,
    '',
  );
  lines.push('| server | mode | scenario | clients | payers | requests | served | refused | req/s | served/s | p50 ms | p99 ms | req/s vs ref | served/s vs ref | served/s vs tuned | p50 vs tuned |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const x = (ratio: number | undefined) => (ratio !== undefined ? `${ratio}x` : '-');
  for (const run of report.runs.filter((r) => !r.pairedWith)) {
    const r = run.result;
    const server = run.server === 'reference' ? 'reference (@x402/express)' : run.server === 'tuned' ? 'tuned reference (+ nonceManager)' : `nestjs-x402 (${run.server})`;
    const scenario = run.scenario === 'plain' ? 'free route' : run.scenario === 'challenge' ? '402 challenge' : 'paid';
    lines.push(
      `| ${server} | ${run.scenario === 'paid' ? run.mode : '-'} | ${scenario} | ${r.connections} | ${run.payers ?? '-'} | ${r.requests} | ${pct(r.served, r.requests)} | ${pct(r.refused + r.errors, r.requests + r.errors)} | ${round(r.reqPerSec)} | ${round(servedPerSec(r))} | ${r.p50Ms} | ${r.p99Ms} | ${x(run.ratio)} | ${x(run.servedRatio)} | ${x(run.tunedRatio)} | ${x(run.p50Ratio)} |`,
    );
  }
  const pairedRuns = report.runs.filter((r) => r.pairedWith);
  if (pairedRuns.length > 0) {
    lines.push(
      '',
      'The ratios compare each of our runs with the same run of the reference (free route, 402) made right before it, in the same minute; paid runs, with the better of the tuned reference\'s run right before ours and its first run on its own. Each of our servers runs on a devnet of its own, started for it, with a tuned reference of its own for the paired runs: anvil mines slower as its chain grows, so no run meets a chain aged by the runs before it. The first rows of the references are their runs on their own, at the start, on a devnet of theirs.',
      '',
      '| paired run of | right before | scenario | clients | payers | req/s | served/s | p50 ms | p99 ms |',
      '|---|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const run of pairedRuns) {
      const r = run.result;
      lines.push(`| ${run.server} | ${run.pairedWith} | ${run.scenario} | ${r.connections} | ${run.payers ?? '-'} | ${round(r.reqPerSec)} | ${round(servedPerSec(r))} | ${r.p50Ms} | ${r.p99Ms} |`);
    }
  }
  lines.push('', '## Targets', '', '| target | goal | actual | met |', '|---|---|---|---|');
  for (const t of report.targets) lines.push(`| ${t.name} | ${t.goal} | ${t.actual} | ${t.met ? 'yes' : 'NO'} |`);
  lines.push('', '## Chain check (per server process)', '');
  lines.push('Every payment sent is looked up on chain (`AuthorizationUsed` of its payer and nonce) after the server stopped; deferred settlements are waited for first.', '');
  lines.push('| server | served (200) | charged once | served unpaid | charged twice | refused but charged | in flight at the end (charged) | Transfer events / AuthorizationUsed | transactions | gas per payment | waited s | ok |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of report.servers) {
    const c = s.chain;
    if (!c) continue;
    lines.push(
      `| ${s.name} | ${c.served} | ${c.servedChargedOnce} | ${c.servedUncharged} | ${c.chargedTwice} | ${c.refusedCharged} | ${c.unanswered} (${c.unansweredCharged}) | ${c.transfersToPayTo} / ${c.authorizationsUsed} | ${c.transactions} | ${c.gasPerPayment} | ${c.waitedS} | ${c.ok ? 'yes' : 'NO'} |`,
    );
  }
  const refused = report.runs.filter((r) => r.result.refused > 0);
  if (refused.length > 0) {
    lines.push('', 'Refusals by status:', '');
    for (const r of refused) {
      const statuses = Object.entries(r.result.statuses).filter(([status]) => status !== '200');
      lines.push(`- ${r.server} ${r.mode} ${r.scenario}, ${r.result.connections} clients${r.payers ? `, ${r.payers} payers` : ''}: ${statuses.map(([status, n]) => `${n} x ${status}`).join(', ')}`);
    }
  }
  const profiled = report.servers.filter((s) => s.profile);
  if (profiled.length > 0) {
    lines.push('', '## CPU profiles (`--cpu-prof` of each server process, whole life incl. startup)', '');
    for (const s of profiled) {
      const p = s.profile!;
      lines.push(`### ${s.name}: ${p.busyMs} ms busy, ${p.idlePct}% idle`, '');
      lines.push(`By package: ${p.byPackage.slice(0, 10).map((e) => `${e.name} ${e.selfPct}%`).join(', ')}`, '');
      lines.push('| self % | frame |', '|---:|---|');
      for (const f of p.topFrames) lines.push(`| ${f.selfPct} | \`${f.name}\` |`);
      lines.push('');
    }
  }
  return lines.join('\n') + '\n';
}
